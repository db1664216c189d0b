"""The service catalogue and the minimal CMDB that later processes point to."""

from django.db import models
from django.urls import reverse

from kaizen.people.models import Team, User


class ServiceType(models.TextChoices):
    BUSINESS = "business", "Business service"
    TECHNICAL = "technical", "Technical service"


class Lifecycle(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Service(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    service_type = models.CharField(
        max_length=16, choices=ServiceType.choices, default=ServiceType.BUSINESS
    )
    category = models.CharField(max_length=80, blank=True, help_text="e.g. Collaboration, HR")
    summary = models.CharField(max_length=250, help_text="One line shown in the catalogue")
    description = models.TextField(blank=True)
    scope = models.TextField(blank=True, help_text="What is and is not covered")
    features = models.TextField(blank=True, help_text="One feature per line")
    target_users = models.CharField(max_length=250, blank=True)
    how_to_request = models.TextField(blank=True)
    support_hours = models.CharField(max_length=120, blank=True)
    criticality = models.CharField(
        max_length=16, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_services"
    )
    support_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="supported_services"
    )
    lifecycle = models.CharField(
        max_length=16, choices=Lifecycle.choices, default=Lifecycle.PIPELINE, db_index=True
    )
    is_public = models.BooleanField(
        default=True, help_text="Shown to requesters in the catalogue while live"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:service_detail", args=[self.slug])

    @property
    def feature_list(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.features.splitlines() if line.strip(" -*\t")]


class OfferingType(models.TextChoices):
    GOODS = "goods", "Goods"
    ACCESS = "access", "Access to resources"
    ACTION = "action", "Service action"


class ServiceOffering(models.Model):
    """What a service provides to its users: goods, access to resources, or service actions."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="offerings")
    name = models.CharField(max_length=150)
    offering_type = models.CharField(max_length=16, choices=OfferingType.choices)
    description = models.TextField(blank=True)
    availability_hours = models.CharField(
        max_length=120, blank=True, help_text="e.g. Mon-Fri 08:00-18:00 CET, or 24x7"
    )
    is_requestable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="unique_offering_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.service.name}: {self.name}"


class DependencyKind(models.TextChoices):
    USES = "uses", "Uses"
    HOSTED_ON = "hosted_on", "Hosted on"
    DATA_FROM = "data_from", "Receives data from"


class ServiceDependency(models.Model):
    """`service` needs `depends_on` to work."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependents")
    kind = models.CharField(
        max_length=16, choices=DependencyKind.choices, default=DependencyKind.USES
    )
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["service__name", "depends_on__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "depends_on"], name="unique_dependency"),
            models.CheckConstraint(
                condition=~models.Q(service=models.F("depends_on")), name="no_self_dependency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.get_kind_display().lower()} {self.depends_on}"


class CIType(models.TextChoices):
    APPLICATION = "application", "Application"
    SERVER = "server", "Server"
    DATABASE = "database", "Database"
    NETWORK = "network", "Network device"
    STORAGE = "storage", "Storage"
    CLOUD = "cloud", "Cloud resource"
    WORKSTATION = "workstation", "Workstation"
    OTHER = "other", "Other"


class CIStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_USE = "in_use", "In use"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"


class ConfigurationItem(models.Model):
    name = models.CharField(max_length=150, unique=True)
    ci_type = models.CharField(max_length=16, choices=CIType.choices)
    status = models.CharField(max_length=16, choices=CIStatus.choices, default=CIStatus.IN_USE)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=120, blank=True)
    support_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="configuration_items"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="configuration_items")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "configuration item"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:ci_detail", args=[self.pk])


class Location(models.Model):
    """A site, building or office where callers work and CIs stand."""

    name = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
