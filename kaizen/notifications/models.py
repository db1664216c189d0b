"""The mail outbox and people's opt-outs."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def claimable(self, now):
        """Unsent, due, not given up, and not held by a live claim.

        A claim older than KAIZEN_NOTIFICATION_CLAIM_TIMEOUT belongs to a worker that died
        mid-send; its row is free again.
        """
        stale = now - timedelta(seconds=settings.KAIZEN_NOTIFICATION_CLAIM_TIMEOUT)
        return self.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
            sent_at__isnull=True,
            attempts__lt=settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS,
        )

    def failed(self):
        """Given up: unsent after KAIZEN_NOTIFICATION_MAX_ATTEMPTS tries (`status` "failed")."""
        return self.filter(
            sent_at__isnull=True, attempts__gte=settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS
        )


class Notification(models.Model):
    """One rendered e-mail to one person, written in the transaction of the change it reports.

    Workers claim a row with a conditional UPDATE (claimed_at, attempts + 1) before sending,
    so two workers never send the same row; a failure sets last_error and next_attempt_at.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    address = models.EmailField()
    category = models.CharField(max_length=40)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Empty: at once")
    last_error = models.TextField(blank=True)
    # Mail threading (kaizen/notifications/threading.py): this mail's own Message-ID, the
    # number of the ticket it is about, and the Message-IDs it answers (space separated).
    message_id = models.CharField(max_length=255, blank=True)
    thread = models.CharField(max_length=40, blank=True, db_index=True)
    references = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The periodic retry (tasks.retry_notifications) scans only unsent rows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.address}"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.attempts >= settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS:
            return "failed"
        return "pending"


class NotificationOptOut(models.Model):
    """A person does not want mail of one category (kaizen.notifications.categories)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    # No `choices`: the registry grows without migrations; services check the key.
    category = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "category"]
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="unique_notification_opt_out")
        ]

    def __str__(self) -> str:
        return f"{self.user}: no {self.category}"
