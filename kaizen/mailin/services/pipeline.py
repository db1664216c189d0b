"""From a received message to a ticket, exactly once.

1. `store_message` keeps the raw bytes (state Received), keyed by mailbox and Message-ID (or
   a hash of the bytes): receiving the same message again stores nothing new.
2. `process_message` claims the row with a conditional UPDATE (Received, or Held and due) in
   the transaction that writes the ticket and moves the row to its final state. A second
   worker's claim waits for the first transaction and then matches no row; a worker killed
   before the commit leaves the row Received, so the next run does it. Either way one ticket.
3. The fetcher flags (or moves) the message on the server only once its row is final.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage as OutgoingMail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from kaizen.core.models import TicketComment
from kaizen.incidents import services as incidents
from kaizen.incidents.models import Channel, Incident, State
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.mailin.models import (
    InboundMessage,
    Mailbox,
    MessageState,
    Outcome,
    UnknownSenders,
)
from kaizen.mailin.services import matching
from kaizen.mailin.services.parsing import ParsedMail, Unusable, envelope, new_text, parse
from kaizen.mailin.services.screening import automatic_reason, own_addresses
from kaizen.people import services as people
from kaizen.people.models import User, UserKind

logger = logging.getLogger(__name__)

SHORT_DESCRIPTION = 160
REPLY_PREFIX = ("re:", "aw:", "fw:", "fwd:", "wg:", "sv:", "tr:")


@dataclass
class Verdict:
    state: MessageState
    reason: str = ""
    outcome: str = ""
    ticket: str = ""
    refuse_politely: bool = False


def max_message_bytes() -> int:
    return settings.KAIZEN_MAIL_MAX_MESSAGE_MB * 1024 * 1024


def store_message(
    mailbox: Mailbox,
    raw: bytes,
    *,
    uid: int | None = None,
    uidvalidity: int | None = None,
    via: str = "imap",
    at: dt.datetime | None = None,
) -> tuple[InboundMessage, bool]:
    """Keep the message (state Received); (its row, whether it is new). Never raises for the
    message's content: the worst of it is found and reported by process_message."""
    try:
        seen = envelope(raw)
        identity, message_id, sender, subject = (
            seen.identity,
            seen.message_id,
            seen.sender,
            seen.subject,
        )
    except Exception:  # headers too broken to read: keep it under its hash
        import hashlib

        identity = "sha256:" + hashlib.sha256(raw).hexdigest()
        message_id = sender = subject = ""
    existing = InboundMessage.objects.filter(mailbox=mailbox, identity=identity).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                mailbox=mailbox,
                identity=identity,
                message_id=message_id,
                uid=uid,
                uidvalidity=uidvalidity,
                via=via,
                sender=sender,
                subject=subject,
                size=len(raw),
                raw=raw,
                received_at=at or timezone.now(),
            )
    except IntegrityError:  # another worker stored it a moment ago
        return InboundMessage.objects.get(mailbox=mailbox, identity=identity), False
    return row, True


def _claim(pk: int, now: dt.datetime) -> bool:
    due = Q(state=MessageState.RECEIVED) | Q(state=MessageState.HELD, held_until__lte=now)
    return bool(InboundMessage.objects.filter(due, pk=pk).update(attempts=F("attempts") + 1))


def process_message(pk: int, *, now: dt.datetime | None = None) -> InboundMessage | None:
    """Work the stored message `pk` if it is waiting; None if it is not (done, or another
    worker has it)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _claim(pk, now):
            return None
        message = InboundMessage.objects.select_related(
            "mailbox__default_service", "mailbox__default_team"
        ).get(pk=pk)
        try:
            # A savepoint: a ticket half-written when a rule refuses the message goes away.
            with transaction.atomic():
                verdict = _work(message, now)
        except Unusable as exc:
            verdict = Verdict(MessageState.SET_ASIDE, exc.reason)
        except ValidationError as exc:
            verdict = Verdict(MessageState.SET_ASIDE, _validation_reason(exc))
        _finish(message, verdict, now)
    if verdict.refuse_politely:
        transaction.on_commit(lambda: _send_refusal(message), robust=True)
    return message


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "refused by the ticket's rules: " + "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return "refused by the ticket's rules: " + " ".join(exc.messages)


def _finish(message: InboundMessage, verdict: Verdict, now: dt.datetime) -> None:
    message.state = verdict.state
    message.reason = verdict.reason
    message.outcome = verdict.outcome
    message.ticket_number = verdict.ticket
    if verdict.state == MessageState.HELD:
        message.save(update_fields=["state", "reason", "held_until"])
        return
    message.processed_at = now
    message.held_until = None
    message.save(
        update_fields=["state", "reason", "outcome", "ticket_number", "processed_at", "held_until"]
    )
    event = {
        MessageState.PROCESSED: EventType.MAIL_PROCESSED,
        MessageState.SET_ASIDE: EventType.MAIL_SET_ASIDE,
        MessageState.IGNORED: EventType.MAIL_IGNORED,
    }[verdict.state]
    data = {
        "message_id": message.message_id or message.identity,
        "mailbox": message.mailbox.name,
        "sender": message.sender,
    }
    if verdict.ticket:
        data.update(ticket=verdict.ticket, outcome=verdict.outcome)
    if verdict.reason:
        data["reason"] = verdict.reason
    record_event(event, message, actor=None, data=data, occurred_at=now)


def _hold_until(sender: str, now: dt.datetime) -> dt.datetime | None:
    """When the sender may open or update a ticket again; None while under the limit."""
    window = dt.timedelta(minutes=settings.KAIZEN_MAIL_RATE_WINDOW_MINUTES)
    recent = InboundMessage.objects.filter(
        sender=sender, state=MessageState.PROCESSED, processed_at__gt=now - window
    ).order_by("-processed_at")
    times = list(recent.values_list("processed_at", flat=True)[: settings.KAIZEN_MAIL_RATE_LIMIT])
    if len(times) < settings.KAIZEN_MAIL_RATE_LIMIT:
        return None
    return times[-1] + window


def _work(message: InboundMessage, now: dt.datetime) -> Verdict:
    mailbox = message.mailbox
    if message.size > max_message_bytes():
        raise Unusable(
            f"the message is {message.size / 2**20:.1f} MB; at most "
            f"{settings.KAIZEN_MAIL_MAX_MESSAGE_MB} MB are taken (KAIZEN_MAIL_MAX_MESSAGE_MB)"
        )
    mail = parse(bytes(message.raw))
    if mail.sender in own_addresses(list(Mailbox.objects.values_list("address", flat=True))):
        return Verdict(MessageState.IGNORED, f"sent from Kaizen's own address {mail.sender}")
    automatic = automatic_reason(mail.message, mail.sender, mail.subject)
    if automatic:
        return Verdict(MessageState.IGNORED, automatic)
    held_until = _hold_until(mail.sender, now)
    if held_until is not None:
        message.held_until = held_until
        return Verdict(
            MessageState.HELD,
            f"{mail.sender} sent more than {settings.KAIZEN_MAIL_RATE_LIMIT} messages in "
            f"{settings.KAIZEN_MAIL_RATE_WINDOW_MINUTES} minutes",
        )
    _check_attachments(mail)
    person = matching.person_with_address(mail.sender)
    if person is None:
        if mailbox.unknown_senders == UnknownSenders.REFUSE:
            return Verdict(
                MessageState.IGNORED,
                f"{mail.sender} is not a known person and the mailbox refuses unknown senders",
                refuse_politely=True,
            )
        person = _new_requester(mail)
    incident, _ = matching.ticket_for(mail.answers, mail.subject)
    if incident is None:
        opened = _open(mailbox, mail, person, now, message)
        return Verdict(MessageState.PROCESSED, outcome=Outcome.OPENED, ticket=opened.number)
    return _answer(mailbox, incident, mail, person, now, message)


def _check_attachments(mail: ParsedMail) -> None:
    limit = incidents.max_attachment_bytes()
    for attachment in mail.attachments:
        if len(attachment.data) > limit:
            raise Unusable(
                f"attachment {attachment.name} is {len(attachment.data) / 2**20:.1f} MB; "
                f"attachments may be at most {settings.KAIZEN_MAX_ATTACHMENT_MB} MB"
            )


def _new_requester(mail: ParsedMail) -> User:
    username = base = mail.sender[:140]
    suffix = 1
    while User.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{base}-{suffix}"
    first, _, last = mail.sender_name.partition(" ")
    return people.do_create_user(
        actor=None,
        username=username,
        email=mail.sender,
        first_name=first[:150],
        last_name=last[:150],
        kind=UserKind.REQUESTER,
    )


def _short_description(subject: str, sender: str) -> str:
    text = subject.strip()
    while text.lower().startswith(REPLY_PREFIX):
        text = text.split(":", 1)[1].strip()
    text = text or f"E-mail from {sender} without a subject"
    return text[:SHORT_DESCRIPTION]


def _fitting(text: str) -> tuple[str, bool]:
    """A comment fits TicketComment.MAX_LENGTH; a longer text is cut, the whole one attached."""
    if len(text) <= TicketComment.MAX_LENGTH:
        return text, False
    note = "\n\n[... cut here: the whole message is attached as message.txt]"
    return text[: TicketComment.MAX_LENGTH - len(note)] + note, True


def _attach(incident: Incident, mail: ParsedMail, person: User, at: dt.datetime) -> None:
    for attachment in mail.attachments:
        name = get_valid_filename(attachment.name.replace("/", "_")) or "attachment"
        upload = SimpleUploadedFile(name, attachment.data, content_type=attachment.content_type)
        incidents.do_add_incident_attachment(incident, upload, actor=person, at=at)


def _attach_whole_text(incident: Incident, text: str, person: User, at: dt.datetime) -> None:
    upload = SimpleUploadedFile("message.txt", text.encode(), content_type="text/plain")
    incidents.do_add_incident_attachment(incident, upload, actor=person, at=at)


def _open(
    mailbox: Mailbox,
    mail: ParsedMail,
    person: User,
    at: dt.datetime,
    message: InboundMessage,
    follows: Incident | None = None,
) -> Incident:
    text = mail.text or "(the message had no text)"
    if follows is not None:
        state = State(follows.state).label.lower()
        text = f"Follow-up to {follows.number} (which is {state}):\n\n{text}"
    incident = incidents.do_open_incident(
        actor=person,
        at=at,
        caller=person,
        channel=Channel.EMAIL,
        short_description=_short_description(mail.subject, mail.sender),
        description=text,
        service=mailbox.default_service,
        assignment_group=mailbox.default_team,
    )
    _attach(incident, mail, person, at)
    return incident


def _answer(
    mailbox: Mailbox,
    incident: Incident,
    mail: ParsedMail,
    person: User,
    at: dt.datetime,
    message: InboundMessage,
) -> Verdict:
    state = incident.state
    reopen = state == State.RESOLVED and incidents.may_reopen(incident, at)
    if incident.is_final or (state == State.RESOLVED and not reopen):
        follow_up = _open(mailbox, mail, person, at, message, follows=incident)
        return Verdict(
            MessageState.PROCESSED,
            reason=f"{incident.number} can no longer be reopened",
            outcome=Outcome.FOLLOW_UP,
            ticket=follow_up.number,
        )
    if reopen:
        incidents.do_change_incident_state(
            incident,
            State.IN_PROGRESS,
            actor=person,
            expected_version=None,
            at=at,
            reason="the caller answered by e-mail after the resolution",
        )
    text, cut = _fitting(new_text(mail.text) or "(the message had no text)")
    incidents.do_add_incident_comment(incident, text, actor=person, at=at)
    if cut:
        _attach_whole_text(incident, mail.text, person, at)
    _attach(incident, mail, person, at)
    outcome = Outcome.REOPENED if reopen else Outcome.COMMENTED
    return Verdict(MessageState.PROCESSED, outcome=outcome, ticket=incident.number)


REFUSAL = """Hello,

thank you for your message "{subject}". This address takes requests only from people the
service desk knows, and {sender} is not one of them, so no ticket was opened.

Please contact the service desk by another way, or write from the address it has for you.

This is an automatic answer; replies to it are not read.
"""


def _send_refusal(message: InboundMessage) -> None:
    """One polite answer per sender and rate window, never to automatic mail (screened
    before): unknown senders cannot start a loop with it."""
    window = dt.timedelta(minutes=settings.KAIZEN_MAIL_RATE_WINDOW_MINUTES)
    earlier = InboundMessage.objects.filter(
        sender=message.sender,
        state=MessageState.IGNORED,
        processed_at__gt=(message.processed_at or timezone.now()) - window,
        reason__contains="refuses unknown senders",
    ).exclude(pk=message.pk)
    if earlier.exists():
        return
    headers = {"Auto-Submitted": "auto-replied"}
    if message.message_id:
        headers.update(
            {"In-Reply-To": f"<{message.message_id}>", "References": f"<{message.message_id}>"}
        )
    mail = OutgoingMail(
        f"Re: {message.subject}"[:300] if message.subject else "Your message",
        REFUSAL.format(subject=message.subject or "(no subject)", sender=message.sender),
        message.mailbox.address,
        [message.sender],
        headers=headers,
    )
    try:
        mail.send()
    except Exception:
        logger.warning("could not send the refusal to %s", message.sender, exc_info=True)


def process_waiting(mailbox: Mailbox | None = None, *, now: dt.datetime | None = None) -> int:
    """Work every stored message that waits (Received, or Held and due); how many were done.
    Catches up messages whose worker died before committing, and held ones."""
    now = now or timezone.now()
    waiting = InboundMessage.objects.filter(
        Q(state=MessageState.RECEIVED) | Q(state=MessageState.HELD, held_until__lte=now)
    )
    if mailbox is not None:
        waiting = waiting.filter(mailbox=mailbox)
    done = 0
    for pk in waiting.order_by("received_at", "pk").values_list("pk", flat=True):
        if process_message(pk, now=now) is not None:
            done += 1
    return done


def receive(
    mailbox: Mailbox,
    raw: bytes,
    *,
    uid: int | None = None,
    uidvalidity: int | None = None,
    via: str = "imap",
    now: dt.datetime | None = None,
) -> InboundMessage:
    """Store and work one message (every channel comes through here: IMAP, LMTP, mbox)."""
    row, _ = store_message(mailbox, raw, uid=uid, uidvalidity=uidvalidity, via=via, at=now)
    process_message(row.pk, now=now)
    row.refresh_from_db()
    return row


@transaction.atomic
def do_reprocess_message(message: InboundMessage, *, actor: User | None) -> InboundMessage:
    """Put a message that was set aside or ignored back to Received (after a fix: a larger
    limit, a new person, a live service); the next run (or the caller) works it again."""
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if locked.state not in (MessageState.SET_ASIDE, MessageState.IGNORED, MessageState.HELD):
        raise ValidationError(
            {"state": f"the message is {locked.get_state_display().lower()}: nothing to redo"}
        )
    old_state = locked.state
    locked.state = MessageState.RECEIVED
    locked.held_until = None
    locked.save(update_fields=["state", "held_until"])
    record_event(
        EventType.MAIL_REPROCESS_REQUESTED,
        locked,
        actor=actor,
        data={"message_id": locked.message_id or locked.identity, "was": old_state},
    )
    return locked
