"""Reads of the inbound mail app, narrowed to who may see them (administrators: everything)."""

from django.db.models import Count, Q, QuerySet

from kaizen.mailin.models import InboundMessage, Mailbox, MessageState
from kaizen.mailin.permissions import can_manage_mail
from kaizen.people.models import User

NOT_PROCESSED = (MessageState.SET_ASIDE, MessageState.HELD)


def mailboxes_for(user: User) -> QuerySet[Mailbox]:
    if not can_manage_mail(user):
        return Mailbox.objects.none()
    return Mailbox.objects.select_related("default_service", "default_team").annotate(
        waiting=Count("messages", filter=Q(messages__state__in=NOT_PROCESSED))
    )


def messages_for(user: User) -> QuerySet[InboundMessage]:
    """Without the raw bytes: a list never needs them."""
    if not can_manage_mail(user):
        return InboundMessage.objects.none()
    return InboundMessage.objects.select_related("mailbox").defer("raw")
