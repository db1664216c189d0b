"""What every editable record's writes share: the tracked fields each journal event reports,
the row lock with its version check (optimistic locking), and the ending of a write (save the
changed fields, journal them, then what the record's app does after each write, e.g. refresh a
ticket's SLA clocks).

One `TrackedRecord` per kind of record describes its model: incidents (see
kaizen/incidents/services/base.py), services, offerings and CIs, users and teams, calendars and
SLA definitions. An update locks the row and re-reads it, so a caller's stale instance never
writes back what another transaction changed, and saves only the fields that changed. It sits
in the journal app because it writes journal events (core is below the journal).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from kaizen.core.errors import StaleRecord
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event, to_journal_value

Snapshot = dict[str, Any]


class VersionConflict(StaleRecord):
    """The record changed since the caller read it: names who changed it when, and the
    version to read again (the API answers 409 with both)."""

    def __init__(self, record: Any, expected_version: int, tracked: "TrackedRecord") -> None:
        self.record = record
        self.expected_version = expected_version
        self.current_version = record.version
        last = tracked.versioned_history(record).select_related("actor").order_by("-id").first()
        who, when = "someone else", ""
        if last is not None:
            who = str(last.actor) if last.actor else "the system"
            local = timezone.localtime(last.occurred_at)
            when = f" at {local:%d %b %Y %H:%M} {local.tzname()}"
        name = tracked.name_of(record)
        super().__init__(
            f"{name} was changed by {who}{when} while you were working on it "
            f"(version {record.version}, you had version {expected_version}). "
            f"Your change was not saved: reload the {tracked.noun}, check their change and try "
            "again."
        )

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": str(self), "current_version": self.current_version}


def _nothing_after(record: Any) -> None:
    return None


@dataclass(frozen=True)
class TrackedRecord:
    """How one kind of record is snapshotted, locked and journaled.

    `tracked_fields`: every column an event reports (the created event carries all of them,
    each later event those that changed, so the journal alone can rebuild the record; see
    kaizen/journal/verify.py). `related_fields` are selected with the locked row. The change a
    conflict names is the last of the `versioned_events` when they are given, else the last
    event that is not one of the `unversioned_events` (comments, attachments: they never bump
    the version). `many_fields` (many-to-many, e.g. a change's affected services) are tracked
    as the sorted list of their records; the service sets them on the locked record before
    `finish`, which journals them but does not save them (the relation is written by `set()`).
    `bookkeeping_fields` are saved with every update (those the model has).
    `label_field` names the record in a conflict message and in `kaizen journal verify`
    (`label`, when given, names it in the message instead, e.g. a person by their name).
    `after_write` runs after each journaled write, in its transaction.
    """

    model: type[models.Model]
    tracked_fields: tuple[str, ...]
    related_fields: tuple[str, ...] = ()
    many_fields: tuple[str, ...] = ()
    unversioned_events: tuple[EventType, ...] = ()
    versioned_events: tuple[EventType, ...] = ()
    bookkeeping_fields: tuple[str, ...] = ("version", "updated_at")
    label_field: str = "number"
    noun: str = "record"
    label: Callable[[Any], str] | None = None
    after_write: Callable[[Any], None] = field(default=_nothing_after)

    def name_of(self, record: Any) -> str:
        return self.label(record) if self.label else str(getattr(record, self.label_field))

    def versioned_history(self, record: Any) -> Any:
        """The record's events that changed its version."""
        events = JournalEvent.objects.for_subject(record)
        if self.versioned_events:
            return events.filter(event_type__in=self.versioned_events)
        return events.exclude(event_type__in=self.unversioned_events)

    def snapshot(self, record: Any) -> Snapshot:
        return {
            name: (
                to_journal_value(sorted(getattr(record, name).all(), key=lambda item: item.pk))
                if name in self.many_fields
                else to_journal_value(getattr(record, name))
            )
            for name in self.tracked_fields
        }

    def changes_between(self, before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
        return {
            name: {"old": before[name], "new": after[name]}
            for name in self.tracked_fields
            if before[name] != after[name]
        }

    def initial_changes(self, record: Any) -> dict[str, dict[str, Any]]:
        """The created event's changes: every tracked field, defaults included."""
        return {name: {"old": None, "new": value} for name, value in self.snapshot(record).items()}

    def record_created(
        self,
        event_type: EventType,
        record: Any,
        *,
        actor: Any,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> JournalEvent:
        """Journal a new record with every tracked field, plus `changes` the caller adds (the
        related lists a record's row does not hold, e.g. a CI's services)."""
        return record_event(
            event_type,
            record,
            actor=actor,
            changes={**self.initial_changes(record), **(changes or {})},
            data=data,
            occurred_at=at,
        )

    def lock(self, record: Any, expected_version: int | None) -> Any:
        """The record's row, locked until the transaction ends, with its related records.
        `expected_version` is the version the caller read; None skips the check (the system,
        importers, bulk actions that did not read a version)."""
        locked = (
            self.model.objects.select_for_update(of=("self",))
            .select_related(*self.related_fields)
            .get(pk=record.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise VersionConflict(locked, expected_version, self)
        return locked

    def copy_into(self, target: Any, source: Any) -> None:
        """Let the caller's object show the saved state too (services also return it)."""
        if target is source:
            return
        for model_field in self.model._meta.concrete_fields:
            setattr(target, model_field.attname, getattr(source, model_field.attname))
        target._state.fields_cache = dict(source._state.fields_cache)
        # Related lists read before the write (a CI's services) may have changed with it.
        target.__dict__.pop("_prefetched_objects_cache", None)

    def finish(
        self,
        record: Any,
        original: Any,
        before: Snapshot,
        event_type: EventType,
        *,
        actor: Any,
        at: dt.datetime | None = None,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
        bump_version: bool = True,
    ) -> dict[str, dict[str, Any]]:
        """Save the locked `record` if a tracked field changed, journal it, run `after_write`.

        Only the changed columns are written (with the bookkeeping): whatever another
        transaction wrote to the others stays. `changes` are those the caller made outside the
        row (a related list it replaced); they bump the version too. Returns every change
        (empty: nothing was saved and no event written)."""
        at = at or timezone.now()
        columns = self.changes_between(before, self.snapshot(record))
        changes = {**columns, **(changes or {})}
        if changes:
            if bump_version:
                record.version += 1
            if "updated_at" in self.bookkeeping_fields:
                record.updated_at = at
            written = [name for name in columns if name not in self.many_fields]
            record.save(update_fields=[*written, *self.bookkeeping_fields])
        if changes or data:
            record_event(
                event_type, record, actor=actor, changes=changes, data=data, occurred_at=at
            )
            self.after_write(record)
        self.copy_into(original, record)
        return changes
