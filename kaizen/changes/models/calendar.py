"""The change calendar's records: blackout and maintenance windows, acknowledged schedule
conflicts and the personal iCalendar feed tokens.

Only kaizen.changes.services.calendar and .conflicts write these rows, each write journaled.
"""

from django.db import models
from django.urls import reverse

from kaizen.catalog.models import Service
from kaizen.changes.models.records import Change
from kaizen.people.models import User, validate_time_zone

__all__ = [
    "CalendarFeedToken",
    "ChangeWindow",
    "ConflictAcknowledgement",
    "ConflictKind",
    "Recurrence",
    "Weekday",
    "WindowKind",
]


class WindowKind(models.TextChoices):
    BLACKOUT = "blackout", "Blackout (freeze)"
    MAINTENANCE = "maintenance", "Maintenance window"


class Recurrence(models.TextChoices):
    ONCE = "once", "Once"
    WEEKLY = "weekly", "Every week"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ChangeWindow(models.Model):
    """A period changes must avoid (blackout) or keep to (maintenance), for all services (a
    blackout only) or the services named.

    A one-off window is the instants [starts_at, ends_at). A weekly one is, every `weekday`,
    the wall-clock times `start_time` to `end_time` in `time_zone` (an end at or before the
    start ends on the next day), from `valid_from` until `valid_until` (local dates, either
    open); services/calendar.py expands it into instants, exact across DST changes.
    """

    kind = models.CharField(max_length=16, choices=WindowKind.choices)
    name = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    all_services = models.BooleanField(default=False)
    services = models.ManyToManyField(Service, blank=True, related_name="change_windows")
    recurrence = models.CharField(max_length=8, choices=Recurrence.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "name", "id"]
        indexes = [
            models.Index(fields=["kind", "is_active"], name="change_window_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("changes:window_edit", args=[self.pk])

    @property
    def is_weekly(self) -> bool:
        return self.recurrence == Recurrence.WEEKLY

    @property
    def crosses_midnight(self) -> bool:
        return bool(self.start_time and self.end_time and self.end_time <= self.start_time)


class ConflictKind(models.TextChoices):
    BOOKED = "booked", "Same CI or service booked"
    IMPLEMENTER = "implementer", "Implementer booked twice"
    OUTSIDE_MAINTENANCE = "outside_maintenance", "Outside the maintenance window"
    BLACKOUT = "blackout", "Inside a blackout"


class ConflictAcknowledgement(models.Model):
    """Someone saw a schedule conflict of a change and proceeds anyway, saying why.

    It holds for that exact conflict and plan: `fingerprint` hashes the conflict's key (what
    it is with: the other change, the implementer, the service, the window), the change's
    planned window and the conflicting interval, so a moved plan or a moved other change is a
    new conflict to acknowledge. The other fields keep what was acknowledged in words.
    """

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="acknowledgements")
    conflict_kind = models.CharField(max_length=24, choices=ConflictKind.choices)
    conflict_key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    description = models.CharField(max_length=400)
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    reason = models.TextField()
    acknowledged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "fingerprint"], name="unique_conflict_acknowledgement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change.number}: {self.description}"


class CalendarFeedToken(models.Model):
    """The secret in a person's iCalendar feed address. Only its SHA-256 is stored (the
    address is shown once, like an API token); a person has at most one active token, and a
    revoked one answers 404."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_calendar_feed_token",
            )
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.user} ({self.prefix}…)"
