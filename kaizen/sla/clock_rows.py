"""A ticket's clocks as rows: reading its journal history and its stored clocks, planning
the writes that make the stored clocks match freshly computed ones, and applying them. The
live refresh (refresh.py), the recompute (recompute.py) and the scan (scan.py) share them.

A ticket is named by its content type id and its id, as journal events name their subject
and clocks name their ticket (SLAClock.ticket_type, ticket_id)."""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models
from django.utils import timezone

from kaizen.core.bulk import insert_values, update_values
from kaizen.journal.models import JournalEvent
from kaizen.sla.engine import ClockResult, TicketState
from kaizen.sla.history import field_values, history_from_values
from kaizen.sla.kinds import TicketKind
from kaizen.sla.models import ClockState, SLAClock

# Fields the engine derives; the scan's bookkeeping (warned_percent, breach_notified) is not
# among them, so a recompute never re-sends a notification that already went out.
DERIVED_FIELDS = (
    "definition_id",
    "kind",
    "state",
    "target_us",
    "elapsed_us",
    "started_at",
    "stopped_at",
    "cancelled_at",
    "running_since",
    "elapsed_at_running_since_us",
    "due_at",
    "breach_at",
    "breached",
)


def current_time() -> dt.datetime:
    """The instant clocks are measured to; one place, so tests can set the time."""
    return timezone.now()


def measuring_time(history: Sequence[TicketState], now: dt.datetime) -> dt.datetime:
    """Never measure a ticket before its latest known event (a clock skew, or an import
    dated ahead), so live and recomputed clocks see the same history."""
    return max(now, history[-1].at) if history else now


# -- reading: rows as the driver returns them, converted a column at a time -------------------
#
# The recompute reads every journal event and every clock. At that volume Django's per-value
# work costs more than the queries: an IN list built lookup by lookup, a converter called per
# value, a datetime parsed by the driver and then given another tzinfo. The hot reads are
# plain SQL over the models' tables; datetime columns come back as UTC text with the offset,
# which `datetime.fromisoformat` turns into an aware datetime (tzinfo dt.UTC, the calendar's
# zone: comparisons need no offset lookups) in one C call.


def _datetimes_as_text() -> bool:
    """Whether datetime columns are read as UTC text (see above): SQLite with UTC connections
    (it stores naive UTC text already) and PostgreSQL (formatted by the query)."""
    if connection.vendor == "sqlite":
        return connection.timezone is dt.UTC
    return connection.vendor == "postgresql"


def _db_datetime(value: Any) -> dt.datetime:
    """A datetime column's value read as the driver parses it, aware (where not as text)."""
    if value.tzinfo is None:  # SQLite in another zone: naive
        return value.replace(tzinfo=connection.timezone)
    return value


def _field(model: Any, name: str) -> Any:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _column(model: Any, name: str) -> str:
    """Field `name`'s column, qualified with its table."""
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(_field(model, name).column)}"


def _column_sql(model: Any, name: str) -> str:
    """The SQL selecting field `name`: a datetime as "2026-03-02 09:00:00[.ffffff]+00:00"
    where `_datetimes_as_text`."""
    field = _field(model, name)
    sql = _column(model, name)
    if not (isinstance(field, models.DateTimeField) and _datetimes_as_text()):
        return sql
    if connection.vendor == "sqlite":
        # Django stores this very text (in UTC); concatenating also keeps the driver's
        # declared-type converter from parsing it. NULL stays NULL.
        return f"{sql} || '+00:00'"
    return f"to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US\"+00:00\"')"


def _in_list(model: Any, name: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column IN (%s, ...)` and its parameters; Django would prepare each value in Python."""
    placeholders = ", ".join(["%s"] * len(values))
    return f"{_column(model, name)} IN ({placeholders})", list(values)


def _fetch_rows(
    model: Any, names: Sequence[str], where: Sequence[tuple[str, Sequence[Any]]]
) -> list[tuple[Any, ...]]:
    """SELECT `names` of `model` whose fields in `where` take one of the values given, as
    the driver returns them (datetimes per `_column_sql`). No IN list may be empty."""
    conditions, params = [], []
    for name, values in where:
        condition, values_params = _in_list(model, name, values)
        conditions.append(condition)
        params += values_params
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_column_sql(model, name) for name in names)}"
            f" FROM {connection.ops.quote_name(model._meta.db_table)}"
            f" WHERE {' AND '.join(conditions)}",
            params,
        )
        return cursor.fetchall()


def _column_converter(field: Any) -> Callable[[Any], Any] | None:
    """What turns a driver value of `field` into the value the ORM would return, or None
    where they are the same."""
    if isinstance(field, models.DateTimeField):
        return dt.datetime.fromisoformat if _datetimes_as_text() else _db_datetime
    if isinstance(field, models.BooleanField):
        return bool  # 0/1 on SQLite
    if isinstance(field, models.JSONField):
        return json.loads
    return None


def fetch_values(
    model: Any, names: Sequence[str], where: Sequence[tuple[str, Sequence[Any]]]
) -> list[tuple[Any, ...]]:
    """`_fetch_rows` with the values the ORM would return: converted a column at a time, so
    the per-value work is a C call (fromisoformat, bool) inside a comprehension."""
    rows = _fetch_rows(model, names, where)
    if not rows:
        return []
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for position, name in enumerate(names):
        convert = _column_converter(_field(model, name))
        if convert is not None:
            columns[position] = [None if v is None else convert(v) for v in columns[position]]
    return list(zip(*columns, strict=True))


def _as_text(ids: Iterable[int]) -> list[str]:
    return [str(i) for i in ids]  # the journal's subject_id is text


def _ticket_events_source(ticket_type_id: int, ticket_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`FROM ... WHERE ...` of the tickets' journal events, and its parameters.

    Both databases should look each ticket up in the (subject_type, subject_id, id) index.
    SQLite does so for an IN list. PostgreSQL's planner, given an IN list of a batch's ids,
    scans every event of the kind instead while the journal is small enough (45 ms a batch at
    50,000 incidents, against 17 ms for the lookups); the ids unnested and joined, it looks
    each one up."""
    quote = connection.ops.quote_name
    table = quote(JournalEvent._meta.db_table)
    subject_type = _column(JournalEvent, "subject_type")
    subject = _column(JournalEvent, "subject_id")
    if connection.vendor == "postgresql":
        return (
            f" FROM unnest(%s::varchar[]) AS batch(subject_id) JOIN {table}"
            f" ON {subject_type} = %s AND {subject} = batch.subject_id",
            [_as_text(ticket_ids), ticket_type_id],
        )
    ids_condition, ids_params = _in_list(JournalEvent, "subject_id", _as_text(ticket_ids))
    return (
        f" FROM {table} WHERE {subject_type} = %s AND {ids_condition}",
        [ticket_type_id, *ids_params],
    )


def _journal_rows(ticket_type_id: int, ticket_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(subject_id, occurred_at, changes as JSON text) of the tickets' events."""
    source, params = _ticket_events_source(ticket_type_id, ticket_ids)
    columns = ", ".join(
        _column_sql(JournalEvent, name) for name in ("subject_id", "occurred_at", "changes")
    )
    # Ordered as the (subject_type, subject_id, id) index is: each ticket's events stay
    # together in journal order, and SQLite's planner then looks the batch up through that
    # index; ordered by id alone it walks every event of the kind through the subject_type
    # index instead.
    order = f"{_column(JournalEvent, 'subject_id')}, {_column(JournalEvent, 'id')}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}{source} ORDER BY {order}", params)
        return cursor.fetchall()


class JournalHistory(NamedTuple):
    events: int  # journal events read: a different count later means the journal grew
    states: list[TicketState]


def journal_histories(ticket_type_id: int, ticket_ids: Sequence[int]) -> dict[int, JournalHistory]:
    """Each ticket's history (`history_from_values`) from its journal events; tickets
    without events are left out.

    The recompute reads every event of the journal through here. The `changes` are decoded
    in one json.loads of them all (one call, and the decoder reuses the key strings it has
    seen), each distinct text once: the journal repeats the same changes (a state move, a
    hold for the same reason) and the decoded values are only read, so events share them."""
    if not ticket_ids:
        return {}
    rows = _journal_rows(ticket_type_id, ticket_ids)
    if not rows:
        return {}
    subjects, instants, texts = zip(*rows, strict=True)
    convert = _column_converter(_field(JournalEvent, "occurred_at"))
    assert convert is not None
    occurred = [convert(at) for at in instants]
    distinct = dict.fromkeys(texts)
    decoded = json.loads(f"[{','.join(distinct)}]")
    values_of = {
        text: field_values(changes) for text, changes in zip(distinct, decoded, strict=True)
    }
    events: dict[int, list[tuple[dt.datetime, Mapping[str, Any]]]] = {}
    ticket_events: list[tuple[dt.datetime, Mapping[str, Any]]] = []
    previous_subject = None
    for subject_id, occurred_at, text in zip(subjects, occurred, texts, strict=True):
        if subject_id != previous_subject:
            previous_subject = subject_id
            ticket_events = events[int(subject_id)] = []
        ticket_events.append((occurred_at, values_of[text]))
    return {
        ticket_id: JournalHistory(len(ticket_events), history_from_values(ticket_events))
        for ticket_id, ticket_events in events.items()
    }


def journal_event_counts(ticket_type_id: int, ticket_ids: Sequence[int]) -> dict[int, int]:
    """ticket id -> its journal events, for tickets that have any."""
    source, params = _ticket_events_source(ticket_type_id, ticket_ids)
    subject = _column(JournalEvent, "subject_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {subject}, COUNT(*){source} GROUP BY {subject}", params)
        return {int(subject_id): events for subject_id, events in cursor.fetchall()}


def ticket_history(ticket_type_id: int, ticket_id: int) -> list[TicketState]:
    journal = journal_histories(ticket_type_id, [ticket_id]).get(ticket_id)
    return journal.states if journal is not None else []


class StoredClock(NamedTuple):
    """A stored clock as the planner compares it with a freshly computed one."""

    pk: int
    derived: tuple[Any, ...]  # DERIVED_FIELDS, in that order
    warned_percent: int
    breach_notified: bool
    next_action_at: dt.datetime | None


STORED_CLOCK_FIELDS = (
    "pk",
    "ticket_id",
    "sequence",
    *DERIVED_FIELDS,
    "warned_percent",
    "breach_notified",
    "next_action_at",
)


def stored_clocks(
    ticket_type_id: int, ticket_ids: Sequence[int]
) -> dict[int, dict[int, StoredClock]]:
    """ticket id -> sequence -> its stored clock."""
    clocks: dict[int, dict[int, StoredClock]] = defaultdict(dict)
    if not ticket_ids:
        return clocks
    where = [("ticket_type", [ticket_type_id]), ("ticket_id", ticket_ids)]
    rows = fetch_values(SLAClock, STORED_CLOCK_FIELDS, where)
    derived_end = 3 + len(DERIVED_FIELDS)
    for row in rows:
        clocks[row[1]][row[2]] = StoredClock(row[0], row[3:derived_end], *row[derived_end:])
    return clocks


# -- planning: what to write so the stored clocks match the computed ones ----------------------


def _next_action(
    result: ClockResult, warned: int, breach_notified: bool, now: dt.datetime
) -> dt.datetime | None:
    """When the scan next has something to do for this clock, or None."""
    if result.state == ClockState.CANCELLED:
        return None
    if any(percent > warned for percent in result.warnings_passed):
        return now
    if result.breached and not breach_notified:
        return now
    candidates = []
    if result.counting:
        if result.next_warning_at is not None and (result.next_warning_percent or 0) > warned:
            candidates.append(result.next_warning_at)
        if not breach_notified and result.breach_at is not None:
            candidates.append(result.breach_at)
    return min(candidates, default=None)


def _derived_values(result: ClockResult) -> tuple[Any, ...]:
    """The clock's DERIVED_FIELDS, in that order."""
    return (
        result.target.id,
        result.kind,
        result.state,
        result.target.target_us,
        result.elapsed_us,
        result.started_at,
        result.stopped_at,
        result.cancelled_at,
        result.running_since,
        result.elapsed_at_running_since_us,
        result.due_at,
        result.breach_at,
        result.breached,
    )


# Rows to insert and to update are tuples in these orders (an update ends with the row's id).
CLOCK_INSERT_FIELDS = (
    "ticket_type",
    "ticket_id",
    "sequence",
    *DERIVED_FIELDS,
    "computed_at",
    "warned_percent",
    "breach_notified",
    "next_action_at",
)
CLOCK_UPDATE_FIELDS = (*DERIVED_FIELDS, "computed_at", "next_action_at")


@dataclass
class ClockWrites:
    create: list[tuple[Any, ...]] = field(default_factory=list)  # CLOCK_INSERT_FIELDS
    update: list[tuple[Any, ...]] = field(default_factory=list)  # CLOCK_UPDATE_FIELDS, id
    delete: list[int] = field(default_factory=list)
    changed: int = 0

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)

    def extend(self, other: "ClockWrites") -> None:
        self.create += other.create
        self.update += other.update
        self.delete += other.delete
        self.changed += other.changed


def plan_clock_rows(
    ticket_type_id: int,
    ticket_id: int,
    results: Sequence[ClockResult],
    existing: dict[int, StoredClock],
    now: dt.datetime,
) -> ClockWrites:
    """The inserts, updates and deletes that make the stored clocks match `results`."""
    writes = ClockWrites()
    for sequence, result in enumerate(results):
        values = _derived_values(result)
        row = existing.get(sequence)
        if row is not None and row.derived[0] == result.target.id:
            next_action = _next_action(result, row.warned_percent, row.breach_notified, now)
            differs = row.derived != values
            if differs or row.next_action_at != next_action:
                # Unchanged rows are not written back: re-measuring settled history is a read.
                writes.update.append((*values, now, next_action, row.pk))
                writes.changed += int(differs)
            continue
        if row is not None:
            writes.delete.append(row.pk)
        # A clock seen for the first time (a new ticket, or history being re-measured): what
        # already lay in the past is not announced again.
        warned = max(result.warnings_passed, default=0)
        next_action = _next_action(result, warned, result.breached, now)
        writes.create.append(
            (
                ticket_type_id,
                ticket_id,
                sequence,
                *values,
                now,
                warned,
                result.breached,
                next_action,
            )
        )
        writes.changed += 1
    for sequence, row in existing.items():
        if sequence >= len(results):
            writes.delete.append(row.pk)
            writes.changed += 1
    return writes


def apply_clock_writes(writes: ClockWrites) -> None:
    if writes.delete:  # first: a replacement row takes the deleted one's sequence
        SLAClock.objects.filter(pk__in=writes.delete).delete()
    if writes.update:
        update_values(SLAClock, CLOCK_UPDATE_FIELDS, writes.update)
    if writes.create:
        insert_values(SLAClock, CLOCK_INSERT_FIELDS, writes.create)


def sla_summary(results: Iterable[ClockResult]) -> tuple[dt.datetime | None, str]:
    """What is written back on the ticket (its kind's `due_field` and `sla_state_field`): the
    nearest due time of a counting clock and how the clocks stand."""
    live = [result for result in results if result.state != ClockState.CANCELLED]
    if not live:
        return None, ""
    due = min((r.due_at for r in live if r.counting and r.due_at is not None), default=None)
    if any(r.breached for r in live):
        return due, "breached"
    if any(r.warnings_passed for r in live if r.stopped_at is None):
        return due, "warning"
    return due, "ok"


def write_summaries(kind: TicketKind, rows: Sequence[tuple[dt.datetime | None, str, int]]) -> None:
    """Write (due, SLA state, ticket id) rows back on the kind's tickets."""
    update_values(kind.model, [kind.due_field, kind.sla_state_field], rows)
