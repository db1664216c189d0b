"""Adding and changing mailboxes, each journaled with every changed field."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import Lifecycle
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.journal.tracking import TrackedRecord
from kaizen.mailin.models import Mailbox, Security
from kaizen.people.models import User

# The stored password is journaled only as "set" or not: the journal is read by auditors.
FIELDS = (
    "name",
    "address",
    "security",
    "host",
    "port",
    "username",
    "password",
    "password_env",
    "folder",
    "processed_folder",
    "creates",
    "default_service",
    "default_team",
    "unknown_senders",
    "is_active",
)
TRACKED = tuple(name for name in FIELDS if name != "password")
MAILBOXES = TrackedRecord(
    model=Mailbox,
    tracked_fields=TRACKED,
    related_fields=("default_service", "default_team"),
    label_field="name",
    noun="mailbox",
)


def _check(mailbox: Mailbox, changed: set[str]) -> None:
    errors: dict[str, str] = {}
    if mailbox.security != Security.PUSH and not mailbox.host.strip():
        errors["host"] = "name the IMAP server (or choose delivery by LMTP)"
    if mailbox.security != Security.PUSH and not mailbox.username.strip():
        errors["username"] = "give the user name Kaizen signs in with"
    if mailbox.port is not None and not 0 < mailbox.port < 65536:
        errors["port"] = "a port is between 1 and 65535"
    service = mailbox.default_service
    if "default_service" in changed and service is not None and service.lifecycle != Lifecycle.LIVE:
        errors["default_service"] = f"{service} is not a live service"
    team = mailbox.default_team
    if "default_team" in changed and team is not None and not team.is_active:
        errors["default_team"] = f"{team} is not an active team"
    mailbox.address = mailbox.address.strip().lower()
    clash = Mailbox.objects.exclude(pk=mailbox.pk)
    if "name" in changed and clash.filter(name__iexact=mailbox.name.strip()).exists():
        errors["name"] = f"another mailbox is called {mailbox.name}"
    if "address" in changed and clash.filter(address__iexact=mailbox.address).exists():
        errors["address"] = f"another mailbox reads {mailbox.address}"
    try:
        mailbox.full_clean(exclude=["default_service", "default_team"], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    if errors:
        raise ValidationError(errors)


def _password_change(before: str, after: str) -> dict[str, bool]:
    """The event says whether a password is stored now, never the password."""
    if before == after:
        return {}
    return {"password_stored": bool(after)}


@transaction.atomic
def do_create_mailbox(*, actor: User | None, **fields: Any) -> Mailbox:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not mailbox fields: {', '.join(sorted(unknown))}")
    mailbox = Mailbox(**fields)
    mailbox.name = mailbox.name.strip()
    _check(mailbox, set(FIELDS))
    mailbox.save()
    MAILBOXES.record_created(
        EventType.MAILBOX_CREATED,
        mailbox,
        actor=actor,
        data={"password_stored": bool(mailbox.password)},
    )
    return mailbox


@transaction.atomic
def do_update_mailbox(
    mailbox: Mailbox, *, actor: User | None, expected_version: int | None, **fields: Any
) -> Mailbox:
    """Change the mailbox's settings; an empty `password` keeps the stored one unless
    `clear_password` is given."""
    clear = fields.pop("clear_password", False)
    if not fields.get("password") and not clear:
        fields.pop("password", None)
    locked = MAILBOXES.lock(mailbox, expected_version)
    before = MAILBOXES.snapshot(locked)
    old_password = locked.password
    changed = set(apply_changes(locked, fields, FIELDS))
    if clear:
        locked.password = ""
        changed.add("password")
    _check(locked, changed)
    password = _password_change(old_password, locked.password)
    if password:
        locked.save(update_fields=["password"])
    MAILBOXES.finish(
        locked, mailbox, before, EventType.MAILBOX_UPDATED, actor=actor, data=password or None
    )
    return locked
