"""A received message becomes a ticket or a comment through the incident services, once."""

import datetime as dt

import pytest
from django.core import mail as outbox
from django.utils import timezone

from kaizen.incidents import services as incidents
from kaizen.incidents.models import Channel, Incident, IncidentComment, State
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.mailin.models import InboundMessage, MessageState, Outcome, UnknownSenders
from kaizen.mailin.services import do_reprocess_message, do_update_mailbox, receive
from kaizen.mailin.tests.conftest import mail
from kaizen.people.models import User

pytestmark = pytest.mark.django_db


def test_a_new_message_opens_an_incident_for_the_known_sender(mailbox, requester, service_desk):
    row = receive(mailbox, mail(message_id="<first@client.example.com>"))
    assert (row.state, row.outcome, row.ticket_number) == ("processed", "opened", "INC0000001")
    incident = Incident.objects.get(number="INC0000001")
    assert incident.caller == requester
    assert incident.opened_by == requester
    assert incident.channel == Channel.EMAIL
    assert incident.short_description == "Printer on floor 3 is jammed"
    assert incident.description == "The printer says paper jam but there is no paper stuck."
    assert incident.service.name == "E-mail"
    assert incident.assignment_group == service_desk
    assert incident.state == State.ASSIGNED
    event = JournalEvent.objects.get(event_type=EventType.MAIL_PROCESSED)
    assert event.data["message_id"] == "first@client.example.com"
    assert event.data["ticket"] == "INC0000001"


def test_the_same_message_twice_makes_one_ticket(mailbox, requester):
    raw = mail(message_id="<twice@client.example.com>")
    receive(mailbox, raw)
    again = receive(mailbox, raw)
    assert again.ticket_number == "INC0000001"
    assert Incident.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_html_only_mail_is_read_as_text_never_rendered(mailbox, requester):
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>VPN <b>fails</b> since &amp; after the update</p>"
        "<ul><li>Laptop A</li><li>Laptop B</li></ul></body></html>"
    )
    receive(mailbox, mail(text=None, html=html))
    description = Incident.objects.get().description
    assert "alert" not in description and "<" not in description and "color" not in description
    assert "VPN fails since & after the update" in description
    assert "* Laptop A" in description and "* Laptop B" in description


def test_an_unknown_sender_becomes_a_requester(mailbox):
    receive(mailbox, mail(sender="Sam Stranger <Sam.Stranger@Example.org>"))
    person = User.objects.get(email="sam.stranger@example.org")
    assert (person.first_name, person.last_name, person.kind) == ("Sam", "Stranger", "requester")
    assert Incident.objects.get().caller == person


def test_a_mailbox_refusing_unknown_senders_answers_politely_once(
    mailbox, django_capture_on_commit_callbacks
):
    do_update_mailbox(
        mailbox, actor=None, expected_version=None, unknown_senders=UnknownSenders.REFUSE
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = receive(mailbox, mail(sender="sam@example.org", message_id="<a@x.org>"))
    with django_capture_on_commit_callbacks(execute=True):
        second = receive(mailbox, mail(sender="sam@example.org", message_id="<b@x.org>"))
    assert (first.state, second.state) == ("ignored", "ignored")
    assert Incident.objects.count() == 0
    assert not User.objects.filter(email="sam@example.org").exists()
    (answer,) = outbox.outbox
    assert answer.to == ["sam@example.org"]
    assert answer.from_email == "support@example.com"
    assert answer.subject == "Re: Printer on floor 3 is jammed"
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert answer.extra_headers["In-Reply-To"] == "<a@x.org>"


def test_attachments_are_stored_on_the_incident(mailbox, requester):
    receive(
        mailbox,
        mail(
            attachments=[
                ("error log.txt", b"E42 jam\n", "text/plain"),
                ("x.png", b"\x89PNG", "image/png"),
            ]
        ),
    )
    incident = Incident.objects.get()
    names = sorted(attachment.original_name for attachment in incident.attachments.all())
    assert names == ["error_log.txt", "x.png"]


def test_a_reply_by_number_in_the_subject_is_a_comment_without_the_quote(mailbox, requester):
    receive(mailbox, mail())
    reply = (
        "It works again, thanks!\n\nBest regards\nRita\n\n"
        "On Mon, 7 Dec 2026 at 10:00, Kaizen <kaizen@localhost> wrote:\n"
        "> The printer was cleaned.\n"
    )
    row = receive(mailbox, mail(subject="Re: [INC0000001] Resolved: Printer", text=reply))
    assert (row.outcome, row.ticket_number) == (Outcome.COMMENTED, "INC0000001")
    comment = IncidentComment.objects.get()
    assert comment.body == "It works again, thanks!"
    assert comment.author == requester
    assert Incident.objects.count() == 1


def test_a_reply_by_header_to_the_callers_own_message_threads(mailbox, requester):
    receive(mailbox, mail(message_id="<orig@client.example.com>"))
    row = receive(
        mailbox,
        mail(
            subject="more details",
            text="Also the scanner.",
            in_reply_to="<orig@client.example.com>",
        ),
    )
    assert (row.outcome, row.ticket_number) == ("commented", "INC0000001")


def test_a_reply_to_the_tickets_root_id_threads(mailbox, requester):
    receive(mailbox, mail())
    row = receive(
        mailbox,
        mail(subject="hello", references="<inc0000001.ticket@localhost>", text="Any news?"),
    )
    assert row.ticket_number == "INC0000001"


def _resolve(incident, agent, at):
    incidents.do_assign_incident(
        incident,
        actor=agent,
        expected_version=None,
        assignment_group=incident.assignment_group,
        assignee=agent,
    )
    incidents.do_change_incident_state(
        incident,
        State.RESOLVED,
        actor=agent,
        expected_version=None,
        resolution_code="solved",
        resolution_notes="Cleaned the rollers.",
        at=at,
    )


def test_a_reply_within_the_reopen_window_reopens(mailbox, requester, agent, settings):
    receive(mailbox, mail())
    incident = Incident.objects.get()
    _resolve(incident, agent, timezone.now() - dt.timedelta(days=1))
    row = receive(mailbox, mail(subject="Re: [INC0000001] Resolved", text="Still jammed."))
    incident.refresh_from_db()
    assert row.outcome == Outcome.REOPENED
    assert (incident.state, incident.reopen_count) == (State.IN_PROGRESS, 1)
    assert incident.comments.get().body == "Still jammed."


def test_a_reply_after_the_window_opens_a_follow_up(mailbox, requester, agent, settings):
    receive(mailbox, mail())
    incident = Incident.objects.get()
    _resolve(
        incident, agent, timezone.now() - dt.timedelta(days=settings.KAIZEN_REOPEN_WINDOW_DAYS + 1)
    )
    row = receive(mailbox, mail(subject="Re: [INC0000001] Resolved", text="Jammed again."))
    assert (row.outcome, row.ticket_number) == (Outcome.FOLLOW_UP, "INC0000002")
    follow_up = Incident.objects.get(number="INC0000002")
    assert follow_up.description.startswith("Follow-up to INC0000001 (which is resolved):")
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED


@pytest.mark.parametrize(
    "headers,subject",
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: [INC0000001] jam"),
        ({"X-Autoreply": "yes"}, "Printer"),
        ({"Precedence": "bulk"}, "Newsletter"),
        ({"Precedence": "list"}, "[users] Printer"),
        ({}, "Out of Office: back Monday"),
        ({}, "Automatic reply: Printer on floor 3"),
    ],
)
def test_automatic_mail_opens_nothing_and_gets_no_answer(mailbox, requester, headers, subject):
    row = receive(mailbox, mail(subject=subject, headers=headers))
    assert row.state == MessageState.IGNORED
    assert Incident.objects.count() == 0
    assert outbox.outbox == []


def test_mail_from_kaizens_own_address_is_ignored(mailbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Kaizen <desk@example.com>"
    own = receive(mailbox, mail(sender="Kaizen <desk@example.com>"))
    loop = receive(mailbox, mail(sender="support@example.com"))
    assert (own.state, loop.state) == ("ignored", "ignored")
    assert "Kaizen's own address" in own.reason
    assert Incident.objects.count() == 0


def test_a_flood_is_held_then_processed(mailbox, requester, settings):
    settings.KAIZEN_MAIL_RATE_LIMIT = 2
    settings.KAIZEN_MAIL_RATE_WINDOW_MINUTES = 60
    start = timezone.now()
    rows = [receive(mailbox, mail(subject=f"jam {n}"), now=start) for n in range(3)]
    assert [row.state for row in rows] == ["processed", "processed", "held"]
    assert rows[2].held_until == start + dt.timedelta(minutes=60)
    from kaizen.mailin.services import process_waiting

    assert process_waiting(now=start + dt.timedelta(minutes=30)) == 0
    assert process_waiting(now=start + dt.timedelta(minutes=61)) == 1
    rows[2].refresh_from_db()
    assert (rows[2].state, rows[2].ticket_number) == ("processed", "INC0000003")


BROKEN_MULTIPART = (
    b"From: rita@example.com\r\nTo: support@example.com\r\nSubject: broken\r\n"
    b"Message-ID: <broken@client.example.com>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\nno boundary ever starts here\r\n'
)
UNKNOWN_CHARSET = (
    b"From: rita@example.com\r\nTo: support@example.com\r\nSubject: charset\r\n"
    b"Message-ID: <charset@client.example.com>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n"
)
NO_SENDER = (
    b"From: undisclosed\r\nTo: support@example.com\r\nSubject: who\r\n"
    b"Message-ID: <who@client.example.com>\r\n\r\nhello\r\n"
)


@pytest.mark.parametrize(
    "raw,reason",
    [
        (BROKEN_MULTIPART, "malformed MIME: StartBoundaryNotFoundDefect"),
        (UNKNOWN_CHARSET, "unknown charset 'x-klingon'"),
        (NO_SENDER, "no usable sender: From is 'undisclosed'"),
    ],
)
def test_bad_input_is_set_aside_with_its_reason(mailbox, requester, raw, reason):
    row = receive(mailbox, raw)
    assert row.state == MessageState.SET_ASIDE
    assert row.reason.startswith(reason)
    assert Incident.objects.count() == 0
    assert JournalEvent.objects.filter(event_type=EventType.MAIL_SET_ASIDE).count() == 1


def test_oversized_messages_and_attachments_are_set_aside(mailbox, requester, settings):
    settings.KAIZEN_MAX_ATTACHMENT_MB = 1
    big = receive(
        mailbox,
        mail(attachments=[("dump.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream")]),
    )
    assert big.state == MessageState.SET_ASIDE
    assert big.reason == "attachment dump.bin is 1.0 MB; attachments may be at most 1 MB"
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    huge = receive(mailbox, mail(subject="another"))
    assert huge.state == MessageState.SET_ASIDE
    assert "KAIZEN_MAIL_MAX_MESSAGE_MB" in huge.reason
    assert Incident.objects.count() == 0


def test_a_set_aside_message_is_processed_after_the_fix(mailbox, requester, settings, admin_user):
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 0
    row = receive(mailbox, mail())
    assert row.state == MessageState.SET_ASIDE
    settings.KAIZEN_MAIL_MAX_MESSAGE_MB = 25
    do_reprocess_message(row, actor=admin_user)
    from kaizen.mailin.services import process_message

    process_message(row.pk)
    row.refresh_from_db()
    assert (row.state, row.ticket_number) == ("processed", "INC0000001")


def test_a_failure_before_commit_leaves_the_message_to_the_next_run(
    mailbox, requester, monkeypatch
):
    """The claim and the ticket are one transaction: a worker dying after the ticket was
    written (here: the journal write of the message's outcome fails) leaves nothing behind
    but the Received message, which the next run turns into exactly one ticket."""
    from kaizen.mailin.services import pipeline

    def die(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(pipeline, "_finish", die)
    with pytest.raises(SystemExit):
        receive(mailbox, mail(message_id="<dying@client.example.com>"))
    assert Incident.objects.count() == 0
    row = InboundMessage.objects.get()
    assert (row.state, row.attempts) == ("received", 0)
    monkeypatch.undo()
    assert pipeline.process_waiting() == 1
    assert Incident.objects.count() == 1
    assert pipeline.process_waiting() == 0
