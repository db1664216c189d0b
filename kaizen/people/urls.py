from django.contrib.auth import views as auth_views
from django.urls import include, path

from kaizen.people import views

people_patterns = (
    [
        path("teams/", views.team_list, name="team_list"),
        path("teams/new/", views.team_form, name="team_create"),
        path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
        path("teams/<slug:slug>/edit/", views.team_form, name="team_edit"),
        path("teams/<slug:slug>/members/", views.team_member_add, name="team_member_add"),
        path(
            "teams/<slug:slug>/members/<int:user_id>/remove/",
            views.team_member_remove,
            name="team_member_remove",
        ),
        path("people/", views.user_list, name="user_list"),
        path("people/new/", views.user_form, name="user_create"),
        path("people/<int:pk>/", views.user_detail, name="user_detail"),
        path("people/<int:pk>/edit/", views.user_form, name="user_edit"),
        path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
        path("people/<int:pk>/roles/<int:role_id>/revoke/", views.role_revoke, name="role_revoke"),
        path("profile/", views.profile, name="profile"),
        path("profile/tokens/", views.token_list, name="token_list"),
        path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    ],
    "people",
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("", include(people_patterns)),
]
