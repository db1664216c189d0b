"""Import runs: what was read, what came of it, and every row that could not be used."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class ImportKind(models.TextChoices):
    SERVICENOW_EVENTLOG = "servicenow-eventlog", "ServiceNow incident event log"
    TICKETS_CSV = "tickets-csv", "Tickets CSV (with a mapping)"
    EVENTLOG_CSV = "eventlog-csv", "Process event log CSV"
    WORK_LOG_CSV = "work-log-csv", "Work seen on configuration items (CSV)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


class ImportRun(models.Model):
    kind = models.CharField(max_length=32, choices=ImportKind.choices)
    source_name = models.CharField(max_length=300)
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # The uploaded file (web imports); command-line imports read their path directly.
    upload = models.FileField(upload_to="imports/", max_length=300, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    records_present = models.PositiveIntegerField(default=0)
    records_refused = models.PositiveIntegerField(default=0)
    events_written = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.source_name}"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def percent_done(self) -> int:
        if self.status == RunStatus.FINISHED:
            return 100
        if not self.bytes_total:
            return 0
        return min(99, int(100 * self.bytes_read / self.bytes_total))


class RowError(models.Model):
    """A row that could not be used (or a value in it that was ignored), with the reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    record_key = models.CharField(max_length=120, blank=True)
    field = models.CharField(max_length=80, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
