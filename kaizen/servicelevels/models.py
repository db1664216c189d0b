"""Service level management: the agreements Kaizen measures services against, and the reviews
held with customers.

- A **customer** is an organisation or a group of users a service is delivered to; a
  **supplier** an outside party the services depend on.
- An **agreement** is one of three kinds: a *service level agreement* (SLA) with a customer,
  an *operational level agreement* (OLA) in which an internal team commits to what it does for
  the others, or an *underpinning contract* (UC) with a supplier. Its validity dates, owner and
  status are the agreement's; what was agreed — the services covered, the agreed service hours,
  the targets — is in its **terms**, versioned: each version applies from its day until the next
  one's, so a period is always judged against the terms in force then, and a version already
  in force is never edited (a new version is made instead).
- A **service review** is a meeting with the customer of an SLA, due by the agreement's review
  cadence, with the service level report of a period as its pack, its minutes and the actions
  agreed (which can go on into the improvement register).
"""

import datetime as dt

from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.people.models import Team, User
from kaizen.sla.models import BusinessCalendar


class CustomerKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    DEPARTMENT = "department", "Department"
    USER_GROUP = "user_group", "Group of users"


class Customer(models.Model):
    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=16, choices=CustomerKind.choices)
    description = models.TextField(blank=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField("contact e-mail", blank=True)
    # People who speak for the customer (they receive its reports).
    representatives = models.ManyToManyField(User, blank=True, related_name="customers_represented")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicelevels:customer_detail", args=[self.pk])


class Supplier(models.Model):
    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField("contact e-mail", blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicelevels:supplier_detail", args=[self.pk])


class AgreementKind(models.TextChoices):
    SLA = "sla", "Service level agreement"
    OLA = "ola", "Operational level agreement"
    UC = "uc", "Underpinning contract"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class ReviewCadence(models.IntegerChoices):
    MONTHLY = 1, "Monthly"
    QUARTERLY = 3, "Quarterly"
    HALF_YEARLY = 6, "Every six months"
    YEARLY = 12, "Yearly"


class Agreement(models.Model):
    number = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=8, choices=AgreementKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Who it is made with: a customer (SLA), the internal team that commits (OLA), a supplier
    # (UC). An OLA may name the team it serves (none: every team that hands work to it).
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    provider_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements_provided",
        verbose_name="team that commits",
    )
    consumer_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements_received",
        verbose_name="team it serves",
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agreements_owned")
    status = models.CharField(
        max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)  # None: until retired
    review_cadence = models.PositiveSmallIntegerField(
        "service reviews", choices=ReviewCadence.choices, null=True, blank=True
    )
    reference = models.CharField(max_length=120, blank=True)  # e.g. the supplier's contract no.
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("servicelevels:agreement_detail", args=[self.number])

    @property
    def party(self) -> str:
        """Who the agreement is made with, in words."""
        if self.kind == AgreementKind.SLA:
            return str(self.customer) if self.customer_id else "no customer"
        if self.kind == AgreementKind.UC:
            return str(self.supplier) if self.supplier_id else "no supplier"
        return str(self.provider_team) if self.provider_team_id else "no team"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class AgreementTerms(models.Model):
    """One version of what an agreement says, in force from `valid_from` until the next
    version's day (or the agreement's end).

    `targets` is a list of the ticket targets agreed, each
    `{"metric": "response" | "resolution", "priority": 1-5 or null (any),
    "sla_definition": id or null, "minutes": business minutes or null,
    "attainment_percent": "95.00"}`:
    an SLA's target is measured by the clocks of an SLA definition (its minutes and calendar
    are the definition's) and met when the share of tickets meeting it reaches the attainment;
    an OLA's or UC's target is a duration in business minutes on the terms' agreed hours.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    sequence = models.PositiveSmallIntegerField("version")  # 1, 2, ... in order of valid_from
    valid_from = models.DateField("applies from")
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        related_name="agreement_terms",
        verbose_name="agreed service hours",
    )
    availability_percent = models.DecimalField(
        "availability target (%)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    services = models.ManyToManyField(Service, blank=True, related_name="agreement_terms")
    offerings = models.ManyToManyField(ServiceOffering, blank=True, related_name="agreement_terms")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="agreement_terms"
    )
    targets = models.JSONField("ticket targets", default=list, blank=True)
    # For an SLA: the time each hand-over between the links of the chain may take
    # (kaizen/servicelevels/chain.py).
    handoff_minutes = models.PositiveIntegerField("minutes per hand-over", default=15)
    note = models.CharField("what it changes", max_length=250, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["agreement_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "valid_from"], name="servicelevels_terms_one_per_day"
            ),
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="servicelevels_terms_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} version {self.sequence} (from {self.valid_from:%d %b %Y})"


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class ServiceReview(models.Model):
    """A review meeting with an SLA's customer: due by the cadence, over a reporting period
    whose service level report is its pack."""

    number = models.CharField(max_length=20, unique=True)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="reviews")
    period_start = models.DateField()
    period_end = models.DateField()  # the last day of the period reviewed
    due_on = models.DateField()
    scheduled_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED
    )
    held_on = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    cancelled_reason = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-due_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "period_start"], name="servicelevels_review_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.agreement.name}"

    def get_absolute_url(self) -> str:
        return reverse("servicelevels:review_detail", args=[self.number])

    @property
    def held_on_time(self) -> bool | None:
        if self.status != ReviewStatus.HELD or self.held_on is None:
            return None
        return self.held_on <= self.due_on


class ReviewActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ReviewAction(models.Model):
    """An action agreed at a review; `improvement_reference` names the initiative (or action)
    of the improvement register it was taken into."""

    review = models.ForeignKey(ServiceReview, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="review_actions"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewActionStatus.choices, default=ReviewActionStatus.OPEN
    )
    improvement_reference = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["review_id", "id"]

    def __str__(self) -> str:
        return self.title


class ReportLink(models.Model):
    """A read-only link to an agreement's service level report for a period, for the
    customer's representatives: only the token's SHA-256 is kept; it expires."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="report_links")
    period_start = models.DateField()
    period_end = models.DateField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agreement.number} report {self.period_start}..{self.period_end}"
