"""Business calendars, SLA definitions and the clocks computed from tickets' journals."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import Service, ServiceOffering
from kaizen.people.models import User, validate_time_zone
from kaizen.sla.kinds import DEFAULT_KIND


class BusinessCalendar(models.Model):
    """When business time counts: a time zone, weekly hours and closed dates."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        max_length=8, blank=True, help_text="ISO country code for public holidays, e.g. GB, DE, US"
    )
    holiday_subdivision = models.CharField(
        max_length=16, blank=True, help_text="Optional region, e.g. ENG, SCT, BY, CA"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:calendar_detail", args=[self.slug])


class WorkingPeriod(models.Model):
    """Working time on one weekday. An end of 00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def start_minute(self) -> int:
        return self.start_time.hour * 60 + self.start_time.minute

    @property
    def end_minute(self) -> int:
        minute = self.end_time.hour * 60 + self.end_time.minute
        return 24 * 60 if minute == 0 else minute

    def clean(self) -> None:
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.start_minute >= self.end_minute
        ):
            raise ValidationError({"end_time": "must be after the start (00:00 means midnight)"})


class CalendarClosure(models.Model):
    """A date the organisation is closed, beyond the country's public holidays."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_closure_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class TargetKind(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", "Notify the assignee"
    NOTIFY_GROUP = "notify_group", "Notify the assignment group"
    NOTIFY_MANAGER = "notify_manager", "Notify the group's manager"
    REASSIGN = "reassign", "Reassign to a team"
    RAISE_PRIORITY = "raise_priority", "Raise the priority by one level"


class SLADefinition(models.Model):
    """A response or resolution target for the tickets it matches, in business time.

    Matching: every condition given must hold (service, offering, one of `priorities`, and each
    `conditions` field in its list of values). Among the matching active definitions of a kind,
    the lowest `order` wins.
    """

    name = models.CharField(max_length=150)
    # The kind of ticket it measures (a key of kaizen.sla.kinds): it applies to no other.
    ticket_kind = models.CharField(max_length=40, default=DEFAULT_KIND)
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    order = models.PositiveIntegerField(default=100, help_text="Lower wins when several match")
    is_active = models.BooleanField(default=True)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="definitions"
    )
    target_minutes = models.PositiveIntegerField(help_text="Business minutes on the calendar")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    offering = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priorities = models.JSONField(default=list, blank=True, help_text="e.g. [1, 2]; empty = any")
    conditions = models.JSONField(
        default=dict, blank=True, help_text='Other fields, e.g. {"channel": ["phone", "email"]}'
    )
    pause_reasons = models.JSONField(
        default=list,
        blank=True,
        help_text='On-hold reasons that pause the clock, e.g. ["awaiting_caller"]',
    )
    warning_thresholds = models.JSONField(
        default=list, blank=True, help_text="Percent, e.g. [50, 75, 90]"
    )
    escalations = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            'e.g. [{"at": 75, "action": "notify_group"}, '
            '{"at": 100, "action": "reassign", "team": "service-desk"}]'
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["kind", "order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:definition_detail", args=[self.pk])


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class SLAClock(models.Model):
    """One target on one ticket, as the engine computed it at `computed_at`.

    The ticket is any registered kind's (kaizen/sla/kinds.py), by content type and id as
    journal events name their subject. Only the SLA app writes these rows: after every write
    to the ticket (refresh.py), from the periodic scan (scan.py: warnings and breaches over
    time) and from `kaizen sla recompute` (recompute.py).
    `elapsed_us` is as of `computed_at`; while `running_since` is set the clock is counting and
    its elapsed time at any instant is `elapsed_at_running_since_us` plus the business time
    since `running_since`. `next_action_at` is the next instant the scan has work to do
    (a warning or the breach); the scan finds due clocks through its index.
    """

    ticket_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    ticket_id = models.PositiveBigIntegerField()
    ticket = GenericForeignKey("ticket_type", "ticket_id")
    sequence = models.PositiveSmallIntegerField()
    definition = models.ForeignKey(SLADefinition, on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    state = models.CharField(max_length=16, choices=ClockState.choices)
    target_us = models.BigIntegerField()
    elapsed_us = models.BigIntegerField()
    computed_at = models.DateTimeField()
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    elapsed_at_running_since_us = models.BigIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    breach_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)
    warned_percent = models.PositiveSmallIntegerField(default=0)
    breach_notified = models.BooleanField(default=False)
    next_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket_type_id", "ticket_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "ticket_id", "sequence"], name="unique_clock_sequence"
            )
        ]
        indexes = [
            # The periodic scan: running clocks whose next warning or breach is due.
            models.Index(
                fields=["next_action_at"],
                name="sla_clock_next_action",
                condition=models.Q(next_action_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition} ({self.get_state_display()})"

    @property
    def percent_used(self) -> float:
        return 100.0 * self.elapsed_us / self.target_us if self.target_us else 0.0


class RecomputeRun(models.Model):
    """One run of `kaizen sla recompute` (or a re-measure after a definition change)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=250, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tickets = models.PositiveIntegerField(default=0)  # of every kind
    clocks = models.PositiveIntegerField(default=0)
    changed_clocks = models.PositiveIntegerField(default=0)
    # Tickets left as they were: settled (not open) at the last full recompute with the same
    # configuration, and not journaled since (kaizen/sla/recompute.py).
    settled_tickets = models.PositiveIntegerField(default=0)
    full = models.BooleanField(
        default=False, help_text="Every ticket recomputed, settled ones included"
    )
    # The journal's committed end when the run started, and the configuration it measured
    # with: what the next run compares against to know which tickets cannot have changed.
    journal_mark = models.BigIntegerField(null=True, blank=True)
    configuration = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"SLA recompute {self.started_at:%Y-%m-%d %H:%M}"
