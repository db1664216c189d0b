"""What every process's ticket writes share: the tracked fields each journal event reports,
the row lock with its version check (optimistic locking), and the ending of a write (save the
changed fields, journal them, then what the process does after each write, e.g. refresh the
ticket's SLA clocks).

One `TrackedRecord` per process describes its model; incidents are the first (see
kaizen/incidents/services/base.py), and changes, problems and requests describe theirs the same
way. It sits in the journal app because it writes journal events (core is below the journal).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models
from django.utils import timezone

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event, to_journal_value

Snapshot = dict[str, Any]


class VersionConflict(Conflict):
    """The record changed since the caller read it: names who changed it when, and the
    version to read again (the API answers 409 with both)."""

    def __init__(self, record: Any, expected_version: int, tracked: "TrackedRecord") -> None:
        self.record = record
        self.expected_version = expected_version
        self.current_version = record.version
        last = (
            JournalEvent.objects.for_subject(record)
            .exclude(event_type__in=tracked.unversioned_events)
            .select_related("actor")
            .order_by("-id")
            .first()
        )
        who, when = "someone else", ""
        if last is not None:
            who = str(last.actor) if last.actor else "the system"
            local = timezone.localtime(last.occurred_at)
            when = f" at {local:%d %b %Y %H:%M} {local.tzname()}"
        name = getattr(record, tracked.label_field)
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
    """How one process's tickets are snapshotted, locked and journaled.

    `tracked_fields`: every field an event reports (the created event carries all of them,
    each later event those that changed, so the journal alone can rebuild the record's
    history). `related_fields` are selected with the locked row. `unversioned_events` (comments,
    attachments) never bump the version nor count as the change a conflict names.
    `many_fields` (many-to-many, e.g. a change's affected services) are tracked as the sorted
    list of their records; the service sets them on the locked record before `finish`, which
    journals them but does not save them (the relation is written by `set()`).
    `after_write` runs after each journaled write, in its transaction.
    """

    model: type[models.Model]
    tracked_fields: tuple[str, ...]
    related_fields: tuple[str, ...] = ()
    many_fields: tuple[str, ...] = ()
    unversioned_events: tuple[EventType, ...] = ()
    # Saved besides the tracked fields on every update (never the number, set once).
    bookkeeping_fields: tuple[str, ...] = ("version", "updated_at")
    label_field: str = "number"
    noun: str = "record"
    after_write: Callable[[Any], None] = field(default=_nothing_after)

    @cached_property
    def saved_fields(self) -> tuple[str, ...]:
        return (
            tuple(
                name
                for name in self.tracked_fields
                if name != self.label_field and name not in self.many_fields
            )
            + self.bookkeeping_fields
        )

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
        return {name: {"old": None, "new": value} for name, value in self.snapshot(record).items()}

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

    def finish(
        self,
        record: Any,
        original: Any,
        before: Snapshot,
        event_type: EventType,
        *,
        actor: Any,
        at: dt.datetime,
        data: dict[str, Any] | None = None,
        bump_version: bool = True,
    ) -> dict[str, dict[str, Any]]:
        """Save the locked `record` if a tracked field changed, journal it, run `after_write`.
        Returns the changes (empty: nothing was saved and no event written)."""
        changes = self.changes_between(before, self.snapshot(record))
        if changes:
            if bump_version:
                record.version += 1
            record.updated_at = at
            record.save(update_fields=self.saved_fields)
        if changes or data:
            record_event(
                event_type, record, actor=actor, changes=changes, data=data, occurred_at=at
            )
            self.after_write(record)
        self.copy_into(original, record)
        return changes
