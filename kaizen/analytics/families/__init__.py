"""Fact families: what the analytics store holds, one registration per kind of fact.

A family is one fact table with the code that fills it. The store's schema, the incremental
sync and the rebuild go over the registered families and name none of them; the KPI engine
measures over any family's table (kaizen.kpis.sources).

Two kinds:

- `RecordFamily`: one row per record of a model (an incident). The sync rewrites the rows of
  the records a batch of journal events touched: events whose subject is such a record, events
  that rename a record the facts show by name (`renames`), and events after which every row
  may have changed (`refresh_all_events`, e.g. an SLA recompute).
- `EventFamily`: one row per journal event of a record family's records (the incident
  events), appended once. Its rows carry no dimensions of their own: a breakdown joins its
  record family's rows, whose `last_event_id` (provenance) it fills.

Each module of this package declares a family and registers it at import; `discover()` (run
by the analytics app when Django starts, and by the first lookup) imports them all, so a new
process adds its family as a new module here and edits nothing else. The modules live in the
analytics app because the analytics layer sits above the processes: it may import a process's
models, a process may not import analytics (see docs/architecture.md).
"""

import importlib
import pkgutil
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from kaizen.analytics.business_time import BusinessCalendars
from kaizen.analytics.facts import Names

_COLUMN_LINE = re.compile(r"^\s+([a-z_]+)\s+([A-Z]+)", re.MULTILINE)


@dataclass
class FactContext:
    """What a run (one sync, one rebuild) prepares once and every family's builder reads:
    the business calendars and the current names of teams and people."""

    calendars: BusinessCalendars
    names: Names


@dataclass(frozen=True, kw_only=True)
class FactFamily:
    name: str  # the fact table's name, also the KPI source's (stored in KPI definitions)
    label: str  # what one row is, for people choosing a source: "Incidents (one per ...)"
    ddl: str  # CREATE TABLE IF NOT EXISTS <name> (...), one column a line
    # Bump when a column's meaning or computation changes: a store written under another
    # version is rebuilt by the next sync instead of mixing old and new rows.
    version: str
    # What the rows are, in the plural, for sentences people read ("253 incidents").
    noun: str = "rows"
    # How pages name a column ("Hours to resolve" for resolution_hours); a record family's
    # columns that are its model's fields are named by the field's verbose name without one.
    column_labels: Mapping[str, str] = field(default_factory=dict)

    def column_label(self, name: str) -> str:
        """The column as people read it: "Resolved at", "SLA verdict"."""
        label = self.column_labels.get(name) or self._field_label(name) or name.replace("_", " ")
        return label[:1].upper() + label[1:]

    def _field_label(self, name: str) -> str:
        return ""

    @cached_property
    def columns(self) -> dict[str, str]:
        """The table's columns with their SQL type (TIMESTAMP, DOUBLE, VARCHAR...), read from
        the DDL, so a column added there is usable at once."""
        return dict(_COLUMN_LINE.findall(self.ddl))


@dataclass(frozen=True, kw_only=True)
class RecordFamily(FactFamily):
    model: type[models.Model]
    key: str  # the column holding the record's id, e.g. incident_id
    # The dimensions measurements can be broken down by: the name users see -> the column.
    breakdowns: Mapping[str, str]
    # (after, up_to, context) -> the rows of the records with ids in (after, up_to].
    rows_between: Callable[[int, int, FactContext], pa.Table]
    # (ids, chunk size, context) -> the rows of these records, a chunk at a time.
    rows_of: Callable[[Collection[int], int, FactContext], Iterator[pa.Table]]
    # Journal event types after which any record's facts may have changed.
    refresh_all_events: frozenset[str] = frozenset()
    # Event types that edit a record the facts show by name -> the model's fields pointing
    # at that record (the event's subject).
    renames: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # (events) -> more records whose facts show what these events changed, for links the
    # model's fields do not hold (an incident named by a problem's link): found by the family.
    touched_with: Callable[[Sequence[Any]], set[int]] | None = None

    def content_type_id(self) -> int:
        return ContentType.objects.get_for_model(self.model).pk

    def _field_label(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return ""

    def touched(self, events: Sequence[Any]) -> set[int] | None:
        """The records whose facts these journal events (rows with event_type,
        subject_type_id, subject_id) may have changed; None means every record."""
        if any(event.event_type in self.refresh_all_events for event in events):
            return None
        own_type = self.content_type_id()
        subjects = {int(event.subject_id) for event in events if event.subject_type_id == own_type}
        related = self.touched_with(events) if self.touched_with is not None else set()
        return subjects | self._renamed(events) | related

    def _renamed(self, events: Sequence[Any]) -> set[int]:
        """Records that show a record renamed (or otherwise edited) in these events."""
        edited: dict[str, set[int]] = {}
        for event in events:
            for model_field in self.renames.get(event.event_type, ()):
                edited.setdefault(model_field, set()).add(int(event.subject_id))
        if not edited:
            return set()
        condition = Q()
        for model_field, ids in edited.items():
            condition |= Q(**{f"{model_field}_id__in": ids})
        return set(self.model._default_manager.filter(condition).values_list("pk", flat=True))


@dataclass(frozen=True, kw_only=True)
class EventFamily(FactFamily):
    records: str  # the record family whose records' journal events these are
    # (after, up_to, names) -> the rows of the journal events with ids in (after, up_to].
    rows_between: Callable[[int, int, Names], pa.Table]

    @property
    def record_family(self) -> RecordFamily:
        return record_family(self.records)


_families: dict[str, FactFamily] = {}
_discovered = False


def register(family: FactFamily) -> FactFamily:
    """Add a family to the store (at import of its module). Registering a name twice with
    another definition is a mistake that would silently drop facts: refused."""
    known = _families.get(family.name)
    if known is not None and known != family:
        raise ValueError(f"a fact family named {family.name!r} is already registered")
    _families[family.name] = family
    return family


def discover() -> None:
    """Import every family module of this package (each registers its family)."""
    global _discovered
    if _discovered:
        return
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def families() -> tuple[FactFamily, ...]:
    """Every registered family, in the order registered (discovery imports the modules by
    name, a module importing another's family after it: incidents, then incident events)."""
    discover()
    return tuple(_families.values())


def record_families() -> tuple[RecordFamily, ...]:
    return tuple(family for family in families() if isinstance(family, RecordFamily))


def event_families() -> tuple[EventFamily, ...]:
    return tuple(family for family in families() if isinstance(family, EventFamily))


def get_family(name: str) -> FactFamily:
    """The family of that name (LookupError if none is registered)."""
    discover()
    try:
        return _families[name]
    except KeyError:
        raise LookupError(f"no fact family named {name!r}") from None


def record_family(name: str) -> RecordFamily:
    family = get_family(name)
    if not isinstance(family, RecordFamily):
        raise LookupError(f"{name!r} is not a record family")
    return family


def breakdown_columns() -> dict[str, str]:
    """Every dimension any record family can be broken down by (the name users see -> the
    column of the first family that has it): the breakdown vocabulary of the KPIs,
    of the forms and of the API, in the order the families declare them."""
    dimensions: dict[str, str] = {}
    for family in record_families():
        for name, column in family.breakdowns.items():
            dimensions.setdefault(name, column)
    return dimensions


def versions() -> str:
    """Every family's name and version: a store written under another set is rebuilt."""
    return ",".join(f"{family.name}:{family.version}" for family in families())
