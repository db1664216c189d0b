"""Problem candidates found from the incident data: the pages' addresses, under /problems/
(namespace "problems")."""

from django.urls import path

from kaizen.problems import candidate_views

urlpatterns = [
    path("candidates/", candidate_views.candidate_list, name="candidate_list"),
    path("candidates/<int:pk>/", candidate_views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/accept/", candidate_views.candidate_accept, name="candidate_accept"),
    path(
        "candidates/<int:pk>/dismiss/",
        candidate_views.candidate_dismiss,
        name="candidate_dismiss",
    ),
]
