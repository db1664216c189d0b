from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.incidents.api import sla_clocks, views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("sla-clocks", sla_clocks.SLAClockViewSet, basename="sla-clock")
urlpatterns = [
    path("priority-matrix/", views.PriorityMatrixView.as_view(), name="priority-matrix"),
    path(
        "incidents/<str:number>/sla-clocks/",
        sla_clocks.incident_clocks,
        name="incident-sla-clocks",
    ),
    *router.urls,
]
