"""Problem candidates: the API's addresses, under /api/v1/."""

from rest_framework.routers import SimpleRouter

from kaizen.problems.api import candidates

router = SimpleRouter()
router.register("problem-candidates", candidates.CandidateViewSet, basename="problem-candidate")

urlpatterns = router.urls
