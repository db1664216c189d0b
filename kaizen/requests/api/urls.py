from rest_framework.routers import SimpleRouter

from kaizen.requests.api.views import (
    ApprovalViewSet,
    RequestTypeViewSet,
    RequestViewSet,
    TaskViewSet,
)

router = SimpleRouter()
router.register("request-types", RequestTypeViewSet, basename="request-type")
router.register("requests", RequestViewSet, basename="request")
router.register("request-tasks", TaskViewSet, basename="request-task")
router.register("request-approvals", ApprovalViewSet, basename="request-approval")

urlpatterns = router.urls
