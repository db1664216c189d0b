"""Writing to the journal. Only domain services call these, inside their own transaction."""

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from kaizen.core.bulk import insert_rows, insert_values
from kaizen.core.context import current_correlation_id
from kaizen.journal.chain import event_hash, lock_head
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent, subject_type_label

_AS_IS = (str, int, float, bool, type(None))


def to_journal_value(value: Any) -> Any:
    """A JSON-safe, stable form of a field value for the journal."""
    if type(value) in _AS_IS:  # the common case, first (importers call this millions of times)
        return value
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [to_journal_value(item) for item in value]
    return value


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return actor.get_username()


def record_event(
    event_type: EventType,
    subject: models.Model,
    *,
    actor: Any,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
) -> JournalEvent:
    """Append one event. Must run inside the caller's transaction, so both commit or neither."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the change's transaction")
    return JournalEvent.objects.create(
        occurred_at=occurred_at or timezone.now(),
        event_type=event_type,
        actor=actor,
        actor_repr=actor_label(actor),
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:300],
        changes=dict(changes or {}),
        data={key: to_journal_value(value) for key, value in (data or {}).items()},
        correlation_id=current_correlation_id(),
    )


@dataclass(slots=True)
class PendingEvent:
    """An event built for `record_events` (bulk writers: importers), not yet written.
    `subject_id`/`subject_repr` may be filled in after the subject itself is inserted."""

    occurred_at: datetime.datetime
    event_type: str
    actor_id: int | None
    actor_repr: str
    subject_type_id: int
    subject_id: str
    subject_repr: str
    changes: dict[str, Any]
    data: dict[str, Any]


def build_event(
    event_type: EventType,
    subject: models.Model,
    *,
    actor: Any,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
    actor_repr: str | None = None,
) -> PendingEvent:
    """An event for `record_events`. `actor_repr` names an actor that is not a Kaizen user
    (the person another tool recorded)."""
    return PendingEvent(
        occurred_at=occurred_at or timezone.now(),
        event_type=event_type,
        actor_id=actor.pk if actor is not None else None,
        actor_repr=(actor_repr or actor_label(actor))[:200],
        subject_type_id=ContentType.objects.get_for_model(subject).pk,
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:300],
        changes=dict(changes or {}),
        data={key: to_journal_value(value) for key, value in (data or {}).items()},
    )


# The columns of an event its writer sets (the id and the transaction id are the database's):
# what the bulk writer inserts, and (with the id) what `kaizen journal verify` reads to walk
# the chain.
EVENT_COLUMNS = (
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_repr",
    "subject_type_id",
    "subject_id",
    "subject_repr",
    "changes",
    "data",
    "correlation_id",
    "previous_hash",
    "chain_hash",
)


def record_events(events: list[PendingEvent], batch_size: int = 5000) -> None:
    """Append many events at once, in the caller's transaction, under one correlation id,
    through the one bulk writer (`kaizen.core.bulk`): at hundreds of thousands of events,
    building model instances and compiling them through bulk_create costs several times the
    write itself. Each is chained to the one before (kaizen/journal/chain.py).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_events must be called inside the change's transaction")
    if not events:
        return
    connection = transaction.get_connection()
    correlation_id = current_correlation_id()
    labels: dict[int, str] = {}
    rows = []
    previous_hash = lock_head(connection)  # held until the caller's transaction ends
    for event in events:
        label = labels.get(event.subject_type_id)
        if label is None:
            label = labels[event.subject_type_id] = subject_type_label(event.subject_type_id)
        chain_hash = event_hash(
            previous_hash,
            occurred_at=event.occurred_at,
            event_type=event.event_type,
            actor_id=event.actor_id,
            actor_repr=event.actor_repr,
            subject_type=label,
            subject_id=event.subject_id,
            subject_repr=event.subject_repr,
            changes=event.changes,
            data=event.data,
            correlation_id=correlation_id,
        )
        rows.append(
            (
                event.occurred_at,
                event.event_type,
                event.actor_id,
                event.actor_repr,
                event.subject_type_id,
                event.subject_id,
                event.subject_repr,
                event.changes,
                event.data,
                correlation_id,
                previous_hash,
                chain_hash,
            )
        )
        previous_hash = chain_hash
    # In list order: ids, handed out as the rows go in, follow the chain.
    insert_values(JournalEvent, EVENT_COLUMNS, rows, batch_size=batch_size)


def apply_changes(
    instance: models.Model, values: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Set `values` on `instance` for the allowed `fields`; return what really changed.

    The result is the journal's `changes` shape. Fields not in `fields` are refused so a
    caller cannot write what the service did not mean to expose.
    """
    allowed = set(fields)
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {', '.join(sorted(unknown))}")
    changed: dict[str, dict[str, Any]] = {}
    for name, new_value in values.items():
        try:
            old_value = getattr(instance, name)
        except ObjectDoesNotExist:  # a required relation not set yet on a new record
            old_value = None
        if old_value != new_value:
            changed[name] = {"old": to_journal_value(old_value), "new": to_journal_value(new_value)}
            setattr(instance, name, new_value)
    return changed


def m2m_change(old: Iterable[models.Model], new: Iterable[models.Model]) -> dict[str, Any] | None:
    """The journal's change entry for a many-to-many field, or None when the sets are equal."""
    old_list = sorted(old, key=lambda obj: obj.pk)
    new_list = sorted(new, key=lambda obj: obj.pk)
    if [obj.pk for obj in old_list] == [obj.pk for obj in new_list]:
        return None
    return {"old": to_journal_value(old_list), "new": to_journal_value(new_list)}


def _column_values(record: models.Model) -> dict[str, Any]:
    """A new record's column values by attname, defaults and auto_now times included."""
    return {
        field.attname: field.pre_save(record, add=True)
        for field in record._meta.concrete_fields
        if not field.primary_key
    }


def ensure_records(
    model: type[models.Model],
    key_field: str,
    wanted: Mapping[Any, Callable[[], models.Model]],
    *,
    event_type: EventType,
    journaled_fields: Iterable[str],
    actor_repr: str,
) -> dict[Any, models.Model]:
    """The records of `model` whose `key_field` is each key of `wanted`, creating the missing
    ones in bulk (each built by its callable) with one created event each.

    For importers: names met in another tool's data become records once, however often they
    appear, and a re-run finds them instead of duplicating them.
    """
    if not wanted:
        return {}
    found = {
        getattr(record, key_field): record
        for record in model._default_manager.filter(**{f"{key_field}__in": list(wanted)})
    }
    missing = [build() for key, build in wanted.items() if key not in found]
    if not missing:
        return found
    insert_rows(model, [_column_values(record) for record in missing])
    ids = dict(
        model._default_manager.filter(
            **{f"{key_field}__in": [getattr(record, key_field) for record in missing]}
        ).values_list(key_field, "pk")
    )
    for record in missing:
        record.pk = ids[getattr(record, key_field)]
    fields = tuple(journaled_fields)
    record_events(
        [
            build_event(
                event_type,
                record,
                actor=None,
                actor_repr=actor_repr,
                changes={
                    name: {"old": None, "new": to_journal_value(getattr(record, name))}
                    for name in fields
                },
            )
            for record in missing
        ]
    )
    found.update((getattr(record, key_field), record) for record in missing)
    return found
