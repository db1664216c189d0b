from rest_framework.routers import SimpleRouter

from kaizen.people.api.views import ApiTokenViewSet, ProcessRoleViewSet, TeamViewSet, UserViewSet

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("process-roles", ProcessRoleViewSet, basename="process-role")
router.register("tokens", ApiTokenViewSet, basename="api-token")
urlpatterns = router.urls
