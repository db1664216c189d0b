"""Inbound mail test data: a support mailbox, and messages built as mail clients send them."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from kaizen.mailin.models import Mailbox, Security
from kaizen.mailin.services import do_create_mailbox
from kaizen.testing import make_service, make_team


@pytest.fixture
def service_desk(agent):
    return make_team("Service Desk", slug="service-desk", members=[agent])


@pytest.fixture
def mailbox(db, service_desk) -> Mailbox:
    return do_create_mailbox(
        actor=None,
        name="Support",
        address="support@example.com",
        security=Security.PUSH,
        default_service=make_service("E-mail"),
        default_team=service_desk,
    )


def mail(
    *,
    sender: str = "Rita Requester <rita@example.com>",
    to: str = "support@example.com",
    subject: str = "Printer on floor 3 is jammed",
    text: str | None = "The printer says paper jam but there is no paper stuck.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="client.example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, data, content_type in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
