"""Mail headers that keep a ticket's mail in one conversation, in Kaizen and in mail clients.

Each outbox row gets its own Message-ID when it is queued (stored, so a retry sends the same
one) and, when its context is about a ticket (a record with a `number`, e.g. the incident of
an incident's notice), the ticket's number and the Message-IDs it answers: a stable root per
ticket (`<inc0000042.ticket@domain>`) and whatever higher apps register (the inbound mail app
adds the caller's own messages), so a reply threads in the caller's mail client and the
inbound mail app finds the ticket again from `In-Reply-To`/`References`.
"""

import re
import uuid
from collections.abc import Callable, Mapping
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import models

# A ticket number -> more Message-IDs (without brackets) its mail answers, oldest first.
ReferenceSource = Callable[[str], list[str]]
_SOURCES: list[ReferenceSource] = []
ROOT = re.compile(r"^([a-z]+\d+)\.ticket@", re.IGNORECASE)


def register_reference_source(source: ReferenceSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def mail_domain() -> str:
    """The domain of Kaizen's own Message-IDs: that of DEFAULT_FROM_EMAIL."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2].lower() or "kaizen.localhost"


def new_message_id() -> str:
    return f"{uuid.uuid4().hex}@{mail_domain()}"


def ticket_root_id(number: str) -> str:
    return f"{number.lower()}.ticket@{mail_domain()}"


def number_from_root(message_id: str) -> str | None:
    """The ticket number of a root Message-ID Kaizen made, else None."""
    match = ROOT.match(message_id)
    return match.group(1).upper() if match else None


def ticket_number_of(context: Mapping[str, Any]) -> str:
    """The number of the first record in `context` that has one (the ticket it is about)."""
    for value in context.values():
        number = getattr(value, "number", None) if isinstance(value, models.Model) else None
        if isinstance(number, str) and number:
            return number
    return ""


def references_for(number: str) -> list[str]:
    if not number:
        return []
    found = [ticket_root_id(number)]
    for source in _SOURCES:
        found += [reference for reference in source(number) if reference not in found]
    return found


def thread_headers(message_id: str, thread: str, references: str) -> dict[str, str]:
    headers = {
        "Message-ID": f"<{message_id}>",
        # RFC 3834: mail a program sends; auto-responders must not answer it.
        "Auto-Submitted": "auto-generated",
    }
    listed = references.split()
    if listed:
        headers["References"] = " ".join(f"<{reference}>" for reference in listed)
        headers["In-Reply-To"] = f"<{listed[-1]}>"
    if thread:
        headers["X-Kaizen-Ticket"] = thread
    return headers
