from rest_framework.routers import SimpleRouter

from kaizen.audit.api.views import JournalEventViewSet

router = SimpleRouter()
router.register("events", JournalEventViewSet, basename="journal-event")
urlpatterns = router.urls
