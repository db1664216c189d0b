"""Outages of services and the availability agreed for them.

An outage is a period in which a service (or one of its offerings or configuration items) was
down, or degraded for a share of its users. Whether it counts against the agreed availability
is decided by rule (engine.py): unplanned and degraded outages always; planned work only
outside the service's announced maintenance windows. Proposed outages (from a major incident,
a failed change, monitoring) count only once a person confirms them.

The agreed availability of a service is a target over its agreed service hours (a business
calendar of the SLA app), versioned by the date it applies from: a period's figures use the
target and hours in force on each of its days."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.people.models import User
from kaizen.sla.models import BusinessCalendar


class OutageKind(models.TextChoices):
    UNPLANNED = "unplanned", "Unplanned outage"
    PLANNED = "planned", "Planned work"
    DEGRADED = "degraded", "Degraded service"


class OutageStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class CauseKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CHANGE = "change", "Change"
    SUPPLIER = "supplier", "Supplier"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known yet"


class OutageOrigin(models.TextChoices):
    MANUAL = "manual", "Recorded by a person"
    MAJOR_INCIDENT = "major_incident", "Proposed from a major or critical incident"
    FAILED_CHANGE = "failed_change", "Proposed from a failed change"
    MONITORING = "monitoring", "Reported by monitoring"
    IMPORT = "import", "Proposed from imported history"


class Outage(models.Model):
    number = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="outages")
    offering = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.SET_NULL, related_name="outages"
    )
    configuration_item = models.ForeignKey(
        ConfigurationItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="outages"
    )
    kind = models.CharField(max_length=16, choices=OutageKind.choices)
    # The share of the service's users affected: 100 for an outage or planned work, less for a
    # degraded service (its downtime is weighted by it).
    share_affected = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)  # None: still going on
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cause_kind = models.CharField(max_length=16, choices=CauseKind.choices, default="unknown")
    # The incident or change number when the cause is one, the supplier's name when it is one.
    cause_reference = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=OutageStatus.choices)
    origin = models.CharField(max_length=20, choices=OutageOrigin.choices)
    # What proposed it, once per thing: "incident:INC0001234", "change:CHG…", or monitoring's
    # "<source>:<its key>"; a repeated proposal or signal finds the outage again.
    origin_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    dismissed_reason = models.CharField(max_length=250, blank=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["service", "status", "started_at"], name="outage_service_time"),
            models.Index(fields=["status", "started_at"], name="outage_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("availability:outage", args=[self.number])

    @property
    def is_ongoing(self) -> bool:
        return self.ended_at is None


class AvailabilityTarget(models.Model):
    """The availability agreed for a service from `valid_from` on (until the next target of
    the service), over its agreed service hours."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="availability_targets"
    )
    valid_from = models.DateField()
    target_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="e.g. 99.5",
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="availability_targets",
        help_text="The agreed service hours: only downtime within them counts",
    )
    note = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["service", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "valid_from"], name="one_availability_target_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.target_percent} % from {self.valid_from}"


class ProposalCursor(models.Model):
    """How far outage proposals have read the journal (one row): the last event looked at."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at event {self.last_event_id}"
