from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.availability.api.views import (
    AvailabilityTargetViewSet,
    OutageViewSet,
    ServiceAvailabilityView,
)

router = SimpleRouter()
router.register("outages", OutageViewSet, basename="outage")
router.register("availability-targets", AvailabilityTargetViewSet, basename="availability-target")

urlpatterns = [
    path(
        "services/<slug:slug>/availability/",
        ServiceAvailabilityView.as_view(),
        name="service-availability",
    ),
    *router.urls,
]
