"""Problem candidates: groups of incidents the scheduled scan found worth a problem (a rate
well above the subject's own history, or a cluster of similar descriptions), with the evidence
a person needs to accept or dismiss them."""

from django.db import models
from django.urls import reverse

from kaizen.people.models import User
from kaizen.problems.models.records import Problem

__all__ = ["Candidate", "CandidateKind", "CandidateStatus"]


class CandidateKind(models.TextChoices):
    SERVICE_RATE = "service_rate", "Incident rate on a service"
    CI_RATE = "ci_rate", "Incident rate on a configuration item"
    CATEGORY_RATE = "category_rate", "Incident rate in a category"
    SIMILAR_TEXT = "similar_text", "Incidents with similar descriptions"


class CandidateStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class Candidate(models.Model):
    kind = models.CharField(max_length=16, choices=CandidateKind.choices)
    # What the incidents share: a service or CI id, a category name, a cluster's signature.
    subject_key = models.CharField(max_length=200)
    subject_label = models.CharField(max_length=300)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    incident_count = models.PositiveIntegerField()
    # The subject's usual count over a window this long, from its own history (rate kinds).
    expected_count = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    # The test in words, its figures, the chart's series: what the page shows as evidence.
    evidence = models.JSONField(default=dict, blank=True)
    incident_numbers = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    found_at = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.TextField(blank=True)
    # A dismissed candidate comes back only when its evidence grows past what was dismissed.
    dismissed_incident_count = models.PositiveIntegerField(null=True, blank=True)
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )

    class Meta:
        ordering = ["-incident_count", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key"], name="unique_candidate")
        ]
        indexes = [models.Index(fields=["status", "kind"], name="candidate_status_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_label}"

    def get_absolute_url(self) -> str:
        return reverse("problems:candidate_detail", args=[self.pk])
