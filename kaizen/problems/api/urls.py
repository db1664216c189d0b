from django.urls import include, path
from rest_framework.routers import SimpleRouter

from kaizen.problems.api.views import ProblemViewSet

router = SimpleRouter()
router.register("problems", ProblemViewSet, basename="problem")

urlpatterns = [
    # The parts first: their paths under problems/ must not be read as a problem number.
    path("", include("kaizen.problems.api.candidate_urls")),
    path("", include("kaizen.problems.api.known_error_urls")),
    *router.urls,
]
