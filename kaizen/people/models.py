"""Users, teams (assignment groups), ITIL process roles and API tokens."""

import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Lisbon)")


class UserKind(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"


def person_name(first_name: str, last_name: str, username: str) -> str:
    """What a person is called on every page: the full name, or the username without one."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """A person. Requesters use the portal; agents work tickets and may hold process roles."""

    kind = models.CharField(max_length=16, choices=UserKind.choices, default=UserKind.REQUESTER)
    job_title = models.CharField(max_length=120, blank=True)
    department = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    # Who approves for this person where a request asks for "the requester's manager".
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return person_name(self.first_name, self.last_name, self.username)

    def get_absolute_url(self) -> str:
        return reverse("people:user_detail", args=[self.pk])

    @property
    def is_agent(self) -> bool:
        return self.kind == UserKind.AGENT or self.is_superuser

    def clean(self) -> None:
        super().clean()
        if self.manager_id is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": "a person cannot be their own manager"})


class Team(models.Model):
    """An assignment group: the unit tickets are queued to."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    members = models.ManyToManyField(User, blank=True, related_name="teams")
    is_active = models.BooleanField(default=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:team_detail", args=[self.slug])


class Process(models.TextChoices):
    INCIDENT = "incident", "Incident management"
    PROBLEM = "problem", "Problem management"
    CHANGE = "change", "Change enablement"
    REQUEST = "request", "Service request management"
    SERVICE_LEVEL = "service_level", "Service level management"
    CATALOG = "catalog", "Service catalogue management"
    IMPROVEMENT = "improvement", "Continual improvement"


class Role(models.TextChoices):
    OWNER = "owner", "Process owner"
    MANAGER = "manager", "Process manager"
    PRACTITIONER = "practitioner", "Practitioner"
    CAB_MEMBER = "cab_member", "CAB member"


class ProcessRole(models.Model):
    """A person's role in one process. CAB member exists only for change enablement."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="process_roles")
    process = models.CharField(max_length=32, choices=Process.choices)
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "process", "role"], name="unique_process_role"),
            models.CheckConstraint(
                condition=~models.Q(role="cab_member") | models.Q(process="change"),
                name="cab_member_only_for_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} ({self.get_process_display()})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        """revoked, expired or active: what bearer authentication will decide for it."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Delegation(models.Model):
    """While away, an approver lets someone decide for them from `starts_at` until `ends_at`:
    their change votes and their service request approvals (kaizen/people/delegations.py).

    The table kept its name from the change app, where it was born (no data moved)."""

    delegator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="delegations_received"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "changes_delegation"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["delegate", "starts_at", "ends_at"], name="delegation_delegate")
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"
