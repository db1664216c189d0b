"""Mailboxes Kaizen reads, and every message it received from them.

Only kaizen.mailin.services writes these rows. A message is stored (state Received) before it
is worked; working it claims the row with a conditional UPDATE in the transaction that writes
the ticket, so a message becomes a ticket or a comment exactly once (docs/mail.md).
"""

import os

from django.db import models
from django.urls import reverse

from kaizen.catalog.models import Service
from kaizen.people.models import Team


class Security(models.TextChoices):
    TLS = "tls", "IMAP over TLS (port 993)"
    STARTTLS = "starttls", "IMAP with STARTTLS (port 143)"
    PLAIN = "plain", "Plain IMAP (loopback and tests only)"
    PUSH = "push", "No fetching: a mail server delivers by LMTP"


class Creates(models.TextChoices):
    INCIDENT = "incident", "Incident"


class UnknownSenders(models.TextChoices):
    CREATE = "create", "Create a requester for them"
    REFUSE = "refuse", "Refuse with a polite reply"


class Mailbox(models.Model):
    """One support address: where its mail is read and what a new message opens."""

    name = models.CharField(max_length=80, unique=True)
    address = models.EmailField(
        unique=True, help_text="The support address people write to (mail from it is ignored)."
    )
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.TLS)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: the usual port.")
    username = models.CharField(max_length=255, blank=True)
    # Either stored here, or read from the environment variable named (or <NAME>_FILE).
    password = models.CharField(max_length=255, blank=True)
    password_env = models.CharField(
        max_length=80,
        blank=True,
        help_text="An environment variable holding the password (or NAME_FILE naming a file).",
    )
    folder = models.CharField(max_length=255, default="INBOX")
    processed_folder = models.CharField(
        max_length=255,
        blank=True,
        help_text="Move worked messages here; empty: leave them in the folder, flagged.",
    )
    creates = models.CharField(max_length=16, choices=Creates.choices, default=Creates.INCIDENT)
    default_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unknown_senders = models.CharField(
        max_length=10, choices=UnknownSenders.choices, default=UnknownSenders.CREATE
    )
    is_active = models.BooleanField(default=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mailin:mailbox_detail", args=[self.pk])

    @property
    def fetches(self) -> bool:
        return self.security != Security.PUSH

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return 993 if self.security == Security.TLS else 143

    def secret(self) -> str:
        """The password: the named environment variable (or its _FILE) wins over the stored one."""
        if self.password_env:
            path = os.environ.get(f"{self.password_env}_FILE")
            if path:
                with open(path) as handle:
                    return handle.read().strip()
            return os.environ.get(self.password_env, "")
        return self.password


class MessageState(models.TextChoices):
    RECEIVED = "received", "Received"
    HELD = "held", "Held (sender over the rate limit)"
    PROCESSED = "processed", "Processed"
    SET_ASIDE = "set_aside", "Not processed"
    IGNORED = "ignored", "Ignored"


class Outcome(models.TextChoices):
    OPENED = "opened", "Opened a ticket"
    COMMENTED = "commented", "Commented on a ticket"
    REOPENED = "reopened", "Reopened a ticket"
    FOLLOW_UP = "follow_up", "Opened a follow-up ticket"


# Final states: the message is flagged (or moved) on the server once it is in one of them.
DONE_STATES = (MessageState.PROCESSED, MessageState.SET_ASIDE, MessageState.IGNORED)


class InboundMessage(models.Model):
    """One received message, its raw bytes kept, and what became of it."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    # The Message-ID without angle brackets, or "sha256:<hex>" of the raw bytes without one.
    identity = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    uid = models.PositiveBigIntegerField(null=True, blank=True)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    via = models.CharField(max_length=10, default="imap")
    sender = models.CharField(max_length=254, blank=True, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    raw = models.BinaryField()
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.RECEIVED
    )
    reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    ticket_number = models.CharField(max_length=20, blank=True, db_index=True)
    received_at = models.DateTimeField()
    held_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was flagged or moved on the mail server."
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "identity"], name="mailin_message_once")
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="mailin_message_state"),
            models.Index(fields=["sender", "processed_at"], name="mailin_message_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.sender or 'unknown sender'}"

    def get_absolute_url(self) -> str:
        return reverse("mailin:message_detail", args=[self.pk])
