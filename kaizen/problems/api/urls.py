from django.urls import include, path

urlpatterns = [
    # The parts first: their paths under problems/ must not be read as a problem number.
    path("", include("kaizen.problems.api.candidate_urls")),
    path("", include("kaizen.problems.api.known_error_urls")),
]
