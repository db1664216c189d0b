"""The service review pages, included under the service level app's prefix (/service-levels/)
in its namespace ("servicelevels")."""

from django.urls import path

from kaizen.servicelevels import review_views as views

urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<str:number>/", views.review_detail, name="review_detail"),
    path("reviews/<str:number>/notes/", views.review_notes, name="review_notes"),
    path("reviews/<str:number>/hold/", views.review_hold, name="review_hold"),
    path("reviews/<str:number>/cancel/", views.review_cancel, name="review_cancel"),
    path("reviews/<str:number>/actions/", views.review_action_add, name="review_action_add"),
    path(
        "reviews/<str:number>/actions/<int:pk>/",
        views.review_action_update,
        name="review_action_update",
    ),
]
