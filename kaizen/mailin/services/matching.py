"""Which ticket a message answers, and who sent it."""

import re

from django.db.models import Q

from kaizen.incidents.models import Incident
from kaizen.mailin.models import InboundMessage
from kaizen.notifications.models import Notification
from kaizen.notifications.threading import number_from_root
from kaizen.people.models import User

# Kaizen's incident numbers in a subject: "[INC0000042] ..." or "Re: INC0000042 ...".
NUMBER = re.compile(r"\b(INC\d{7,})\b", re.IGNORECASE)


def number_in_headers(answers: list[str]) -> str:
    """The ticket of the first Message-ID answered that Kaizen knows: a ticket's root id, a
    notification it sent, or a message it received about the ticket."""
    if not answers:
        return ""
    for message_id in answers:
        number = number_from_root(message_id)
        if number:
            return number
    known: dict[str, str] = dict(
        Notification.objects.filter(message_id__in=answers)
        .exclude(thread="")
        .values_list("message_id", "thread")
    )
    known.update(
        InboundMessage.objects.filter(message_id__in=answers)
        .exclude(ticket_number="")
        .values_list("message_id", "ticket_number")
    )
    for message_id in answers:
        if message_id in known:
            return known[message_id]
    return ""


def number_in_subject(subject: str) -> str:
    match = NUMBER.search(subject)
    return match.group(1).upper() if match else ""


def ticket_for(answers: list[str], subject: str) -> tuple[Incident | None, str]:
    """The incident the message answers and how it was found ("header" or "subject")."""
    for how, number in (
        ("header", number_in_headers(answers)),
        ("subject", number_in_subject(subject)),
    ):
        if number:
            incident = Incident.objects.filter(number=number).first()
            if incident is not None:
                return incident, how
    return None, ""


def person_with_address(address: str) -> User | None:
    """The active person with this address (the oldest account when several share it)."""
    return User.objects.filter(Q(email__iexact=address), is_active=True).order_by("pk").first()
