"""API of the known-error part, under /api/v1/: the known errors (agents, problem managers)
with their suggestions, and the portal's self-help articles (anyone signed in)."""

from rest_framework.routers import SimpleRouter

from kaizen.problems.api import known_errors

router = SimpleRouter()
router.register("known-errors", known_errors.KnownErrorViewSet, basename="known-error")
router.register("known-error-articles", known_errors.ArticleViewSet, basename="known-error-article")

urlpatterns = router.urls
