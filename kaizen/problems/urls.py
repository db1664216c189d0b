from django.urls import include, path

app_name = "problems"

urlpatterns = [
    # The parts first: their paths must not be read as a problem number.
    path("", include("kaizen.problems.candidate_urls")),
    path("", include("kaizen.problems.known_error_urls")),
]
