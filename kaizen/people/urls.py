from django.contrib.auth import views as auth_views
from django.urls import include, path

from kaizen.people import views

people_patterns = (
    [
        path("teams/", views.team_list, name="team_list"),
        path("people/", views.user_list, name="user_list"),
        path("profile/", views.profile, name="profile"),
        path("profile/tokens/", views.token_list, name="token_list"),
    ],
    "people",
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include(people_patterns)),
]
