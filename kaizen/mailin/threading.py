"""Registered with the notifications app (which cannot import this one): outgoing mail about a
ticket also names the messages the caller wrote about it (the first and the latest), so the
caller's mail client shows Kaizen's answer under their own message."""

from kaizen.mailin.models import InboundMessage, MessageState
from kaizen.notifications.threading import register_reference_source


def caller_messages(number: str) -> list[str]:
    ids = list(
        InboundMessage.objects.filter(ticket_number=number, state=MessageState.PROCESSED)
        .exclude(message_id="")
        .order_by("processed_at", "pk")
        .values_list("message_id", flat=True)
    )
    if not ids:
        return []
    return list(dict.fromkeys([ids[0], ids[-1]]))


def register() -> None:
    register_reference_source(caller_messages)
