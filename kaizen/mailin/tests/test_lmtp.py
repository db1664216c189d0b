"""The LMTP receiver: a mail server delivers, the message goes through the same pipeline, and
an unknown recipient is refused at RCPT."""

import smtplib
import socket

import pytest

from kaizen.incidents.models import Incident
from kaizen.mailin import lmtp
from kaizen.mailin.models import InboundMessage
from kaizen.mailin.tests.conftest import mail

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receiver():
    port = free_port()
    controller = lmtp.controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def test_a_delivered_message_opens_a_ticket(receiver, mailbox, requester):
    client = smtplib.LMTP("127.0.0.1", receiver)
    try:
        client.ehlo_or_helo_if_needed()
        refused = client.sendmail(
            "rita@example.com", ["support@example.com"], mail(message_id="<l1@client.example.com>")
        )
        assert refused == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
            client.sendmail("rita@example.com", ["nobody@example.com"], mail())
        assert raised.value.recipients["nobody@example.com"][0] == 550
    finally:
        client.quit()
    row = InboundMessage.objects.get()
    assert (row.via, row.state, row.ticket_number) == ("lmtp", "processed", "INC0000001")
    assert Incident.objects.get().short_description == "Printer on floor 3 is jammed"
