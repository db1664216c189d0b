"""The known-error database (KEDB): what agents (and, when published to the portal,
requesters) read to recognise a known failure and work around it."""

from django.db import models
from django.urls import reverse

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.people.models import User
from kaizen.problems.models.records import Problem

__all__ = ["KnownError", "KnownErrorStatus"]


class KnownErrorStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published to agents"
    RETIRED = "retired", "Retired"


class KnownError(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    # The problem whose root cause it records; one written by hand may have none yet.
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.PROTECT, related_name="known_errors"
    )
    title = models.CharField(max_length=200)
    symptom = models.TextField()
    root_cause = models.TextField(blank=True)
    workaround = models.TextField(blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="known_errors")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="known_errors"
    )
    # The incident category's name, as on problems.
    category = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=16, choices=KnownErrorStatus.choices, default=KnownErrorStatus.DRAFT
    )
    # Also a self-help article in the portal (only while published).
    published_to_portal = models.BooleanField(default=False)
    portal_title = models.CharField(max_length=200, blank=True)
    portal_body = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "category"], name="known_error_status"),
            # Covers the suggestion index's freshness check (count, ids, latest change and
            # versions of the published ones) without reading the rows: kaizen/problems/
            # suggestions.py asks it on every suggestion.
            models.Index(
                fields=["status", "updated_at", "version", "id"], name="known_error_stamp"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("problems:known_error_detail", args=[self.number])
