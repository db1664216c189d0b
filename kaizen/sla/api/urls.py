from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.sla.api import clocks, views

router = SimpleRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("sla-definitions", views.DefinitionViewSet, basename="sla-definition")
router.register("sla-clocks", clocks.SLAClockViewSet, basename="sla-clock")
urlpatterns = [
    *router.urls,
    path("incidents/<str:number>/sla-clocks/", clocks.incident_clocks, name="incident-sla-clocks"),
]
