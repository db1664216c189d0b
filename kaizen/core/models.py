"""What every process's records share in the database."""

from django.conf import settings
from django.db import models


class NumberSequence(models.Model):
    """The last number handed out per record kind ("incident", later "change", "problem"...);
    the row is locked while a number is taken (kaizen.core.numbering)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


# -- what every process's tickets carry besides their own fields -------------------------------
#
# Abstract: each process keeps its own tables (no shared ticket table to lock or migrate
# together); a subclass adds the foreign key to its ticket, and an attachment its `file` with
# the folder it is stored under.


class TicketComment(models.Model):
    """A comment the requester sees, or a work note (agents only). At most MAX_LENGTH
    characters (about ten pages): a comment is a message, not a file; a log goes in as an
    attachment."""

    MAX_LENGTH = 20_000

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField()
    is_work_note = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def kind_label(self) -> str:
        return "Work note" if self.is_work_note else "Comment"


class TicketAttachment(models.Model):
    """A file attached to a ticket, under the size and type limits of the attachment form."""

    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class TaskHeartbeat(models.Model):
    """When a periodic task last started, one row per task (kaizen.core.heartbeats): the only
    trace a worker leaves that a page can read, so the administrator's home tells a live task
    worker from a dead one."""

    name = models.CharField(max_length=64, primary_key=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.last_run_at}"
