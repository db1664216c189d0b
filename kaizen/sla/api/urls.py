from rest_framework.routers import SimpleRouter

from kaizen.sla.api import views

router = SimpleRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("sla-definitions", views.DefinitionViewSet, basename="sla-definition")
urlpatterns = router.urls
