"""The event journal: an append-only record of every change to every domain record."""

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction

from kaizen.journal.chain import event_hash, lock_head
from kaizen.journal.events import event_type_choices


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a journal event."""


def subject_type_label(subject_type_id: int) -> str:
    """An event's subject type as its chain hash names it: "app_label.model"."""
    content_type = ContentType.objects.get_for_id(subject_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def link(events: list["JournalEvent"], previous_hash: str) -> None:
    """Chain new `events`, in the order they will be inserted, onto `previous_hash`."""
    for event in events:
        event.previous_hash = previous_hash
        event.chain_hash = previous_hash = event_hash(
            previous_hash,
            occurred_at=event.occurred_at,
            event_type=event.event_type,
            actor_id=event.actor_id,
            actor_repr=event.actor_repr,
            subject_type=subject_type_label(event.subject_type_id),
            subject_id=event.subject_id,
            subject_repr=event.subject_repr,
            changes=event.changes,
            data=event.data,
            correlation_id=event.correlation_id,
        )


class JournalEventQuerySet(models.QuerySet["JournalEvent"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list["JournalEvent"]:
        events = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            link(events, lock_head(connections[self.db]))
            return super().bulk_create(events, *args, **kwargs)

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("journal events are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("journal events are append-only")

    def for_subject(self, subject: models.Model) -> "JournalEventQuerySet":
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
        )


class JournalEvent(models.Model):
    """One change: who did it, when, to what, and the old and new value of each field.

    `changes` maps a field name to `{"old": ..., "new": ...}`; `data` carries what is not a
    field change (e.g. the member added to a team). Actor and subject are also kept as text so
    the history reads the same after either is renamed or removed. The database refuses UPDATE
    and DELETE on this table (triggers in migrations 0003 and 0005), so the guarantee holds for
    raw SQL too. Each event is chained to the one before it (`previous_hash`, `chain_hash`;
    kaizen/journal/chain.py) as it is inserted, so a change made past the triggers shows.
    """

    occurred_at = models.DateTimeField(db_index=True)
    event_type = models.CharField(max_length=80, choices=event_type_choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField(max_length=200)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    correlation_id = models.UUIDField(db_index=True)
    # Filled by a PostgreSQL trigger with the writing transaction's id; lets the cursor API
    # hold back events of transactions still in flight (see journal/selectors.py).
    txid = models.BigIntegerField(null=True, blank=True, editable=False)
    # The hash chain (kaizen/journal/chain.py); empty only on a database not yet migrated.
    previous_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)

    objects = JournalEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "id"])]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()}: {self.subject_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("journal events are append-only")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # savepoint=False: inside the caller's transaction (record_event) this adds no query.
        with transaction.atomic(using=using, savepoint=False):
            link([self], lock_head(connections[using]))
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("journal events are append-only")
