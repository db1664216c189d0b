"""Pages of the known-error part: the agents' known-error database and the portal's self-help
articles (known errors published to requesters)."""

from django.urls import path

from kaizen.problems import known_error_views as views

urlpatterns = [
    path("known-errors/", views.known_error_list, name="known_error_list"),
    path("known-errors/new/", views.known_error_create, name="known_error_create"),
    path("known-errors/<str:number>/", views.known_error_detail, name="known_error_detail"),
    path("known-errors/<str:number>/edit/", views.known_error_edit, name="known_error_edit"),
    path(
        "known-errors/<str:number>/publish/", views.known_error_publish, name="known_error_publish"
    ),
    path("known-errors/<str:number>/retire/", views.known_error_retire, name="known_error_retire"),
    path("known-errors/<str:number>/apply/", views.known_error_apply, name="known_error_apply"),
    path("self-help/", views.article_list, name="article_list"),
    path("self-help/<str:number>/", views.article_detail, name="article_detail"),
]
