"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed: the
API's addresses, under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.changes.api import calendar as views

router = SimpleRouter()
router.register("change-windows", views.WindowViewSet, basename="change-window")

urlpatterns = [
    *router.urls,
    path("change-calendar/", views.change_calendar, name="change-calendar"),
    path("changes/<str:number>/conflicts/", views.change_conflicts, name="change-conflicts"),
    path(
        "changes/<str:number>/conflicts/acknowledge/",
        views.acknowledge_conflict,
        name="change-conflict-acknowledge",
    ),
]
