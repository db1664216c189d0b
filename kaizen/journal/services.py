"""Writing to the journal. Only domain services call these, inside their own transaction."""

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from kaizen.core.context import current_correlation_id
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent


def to_journal_value(value: Any) -> Any:
    """A JSON-safe, stable form of a field value for the journal."""
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
