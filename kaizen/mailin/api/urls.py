from rest_framework.routers import SimpleRouter

from kaizen.mailin.api.views import InboundMessageViewSet, MailboxViewSet

router = SimpleRouter()
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("inbound-messages", InboundMessageViewSet, basename="inbound-message")
urlpatterns = router.urls
