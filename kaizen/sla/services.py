"""SLA clocks: refreshed after every ticket write, advanced by the periodic scan, recomputed
from the journal on demand. All three go through the same engine (kaizen/sla/engine.py)."""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from kaizen.core.processes import older_objects_frozen, run_jobs
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event
from kaizen.sla.engine import ClockResult, Target, TicketState, compute_clocks
from kaizen.sla.history import field_values, history_from_values
from kaizen.sla.models import ClockState, RecomputeRun, SLAClock
from kaizen.sla.targets import active_targets

OPEN_STATES = ("new", "assigned", "in_progress", "on_hold")
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


def _measuring_time(history: Sequence[TicketState], now: dt.datetime) -> dt.datetime:
    """Never measure a ticket before its latest known event (a clock skew, or an import
    dated ahead), so live and recomputed clocks see the same history."""
    return max(now, history[-1].at) if history else now


def _incident_model() -> Any:
    from kaizen.incidents.models import Incident

    return Incident


def _incident_content_type() -> ContentType:
    return ContentType.objects.get_for_model(_incident_model())


def _incident_type_id() -> int:
    return _incident_content_type().pk


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


def _fetch_values(
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


def _incident_events_source(incident_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`FROM ... WHERE ...` of the incidents' journal events, and its parameters.

    Both databases should look each incident up in the (subject_type, subject_id, id) index.
    SQLite does so for an IN list. PostgreSQL's planner, given an IN list of a batch's ids,
    scans every incident event instead while the journal is small enough (45 ms a batch at
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
            [_as_text(incident_ids), _incident_type_id()],
        )
    ids_condition, ids_params = _in_list(JournalEvent, "subject_id", _as_text(incident_ids))
    return (
        f" FROM {table} WHERE {subject_type} = %s AND {ids_condition}",
        [_incident_type_id(), *ids_params],
    )


def _journal_rows(incident_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(subject_id, occurred_at, changes as JSON text) of the incidents' events."""
    source, params = _incident_events_source(incident_ids)
    columns = ", ".join(
        _column_sql(JournalEvent, name) for name in ("subject_id", "occurred_at", "changes")
    )
    # Ordered as the (subject_type, subject_id, id) index is: each incident's events stay
    # together in journal order, and SQLite's planner then looks the batch up through that
    # index; ordered by id alone it walks every incident event through the subject_type
    # index instead.
    order = f"{_column(JournalEvent, 'subject_id')}, {_column(JournalEvent, 'id')}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}{source} ORDER BY {order}", params)
        return cursor.fetchall()


class JournalHistory(NamedTuple):
    events: int  # journal events read: a different count later means the journal grew
    states: list[TicketState]


def journal_histories(incident_ids: Sequence[int]) -> dict[int, JournalHistory]:
    """Each incident's history (`history_from_values`) from its journal events; incidents
    without events are left out.

    The recompute reads every event of the journal through here. The `changes` are decoded
    in one json.loads of them all (one call, and the decoder reuses the key strings it has
    seen), each distinct text once: the journal repeats the same changes (a state move, a
    hold for the same reason) and the decoded values are only read, so events share them."""
    if not incident_ids:
        return {}
    rows = _journal_rows(incident_ids)
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
    incident_events: list[tuple[dt.datetime, Mapping[str, Any]]] = []
    previous_subject = None
    for subject_id, occurred_at, text in zip(subjects, occurred, texts, strict=True):
        if subject_id != previous_subject:
            previous_subject = subject_id
            incident_events = events[int(subject_id)] = []
        incident_events.append((occurred_at, values_of[text]))
    return {
        incident_id: JournalHistory(len(incident_events), history_from_values(incident_events))
        for incident_id, incident_events in events.items()
    }


def journal_event_counts(incident_ids: Sequence[int]) -> dict[int, int]:
    """incident id -> its journal events, for incidents that have any."""
    source, params = _incident_events_source(incident_ids)
    subject = _column(JournalEvent, "subject_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {subject}, COUNT(*){source} GROUP BY {subject}", params)
        return {int(subject_id): events for subject_id, events in cursor.fetchall()}


def incident_history(incident_id: int) -> list[TicketState]:
    journal = journal_histories([incident_id]).get(incident_id)
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
    "incident_id",
    "sequence",
    *DERIVED_FIELDS,
    "warned_percent",
    "breach_notified",
    "next_action_at",
)


def stored_clocks(incident_ids: Sequence[int]) -> dict[int, dict[int, StoredClock]]:
    """incident id -> sequence -> its stored clock."""
    clocks: dict[int, dict[int, StoredClock]] = defaultdict(dict)
    if not incident_ids:
        return clocks
    rows = _fetch_values(SLAClock, STORED_CLOCK_FIELDS, [("incident", incident_ids)])
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
    "incident_id",
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
    incident_id: int,
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
            (incident_id, sequence, *values, now, warned, result.breached, next_action)
        )
        writes.changed += 1
    for sequence, row in existing.items():
        if sequence >= len(results):
            writes.delete.append(row.pk)
            writes.changed += 1
    return writes


# -- writing: a batch's rows in as few statements as the database allows -----------------------
#
# SQLite runs an executemany as one prepared statement stepped per row: as fast as it writes.
# PostgreSQL would receive, parse and plan one statement per row (Django binds parameters on
# the client); there a batch's rows go in with COPY, which psycopg formats in C.


def _datetime_adapter() -> Callable[[dt.datetime], Any]:
    """Adapts a datetime for the database exactly as the ORM does. On SQLite that is naive
    text in UTC; Django gets there through make_naive and str(), which at a million clocks is
    a sizeable share of the run. A datetime already in UTC takes a direct route to the same
    text: its isoformat(" ") minus the "+00:00" suffix."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone is not dt.UTC:
        return adapt

    def adapt_for_sqlite(value: dt.datetime) -> Any:
        return value.isoformat(" ")[:-6] if value.tzinfo is dt.UTC else adapt(value)

    return adapt_for_sqlite


def _adapted_rows(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[list]:
    """Rows with their datetimes adapted for the database (see `_datetime_adapter`); the other
    values (ints, text, booleans) go to the driver as they are. Going through each field's
    get_db_prep_value costs more than the write itself."""
    adapt = _datetime_adapter()
    # Half the datetimes of a batch are the same objects (computed_at is the run's `now`,
    # both clocks of an incident start when it opened): each is adapted once.
    adapted_datetimes: dict[dt.datetime, Any] = {}
    positions = [
        position
        for position, name in enumerate(names)
        if isinstance(_field(model, name), models.DateTimeField)
    ]
    adapted = []
    for row in rows:
        values = list(row)
        for position in positions:
            value = values[position]
            if value is not None:
                text = adapted_datetimes.get(value)
                if text is None:
                    text = adapted_datetimes[value] = adapt(value)
                values[position] = text
        adapted.append(values)
    return adapted


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(_field(model, name).column) for name in names]


def _copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL: COPY `rows` into `table`; psycopg adapts each value as for a parameter."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_rows(model: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_rows(cursor, table, columns, rows)
            return
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(names))})",
            _adapted_rows(model, names, rows),
        )


# From this many rows an update on PostgreSQL goes through a staging table (below); for fewer,
# such as the live refresh's one or two clocks, its catalog writes cost more than they save.
STAGED_UPDATE_ROWS = 50


def _update_rows(model: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """`UPDATE table SET names... WHERE id = ?` for many rows; each row is (values in `names`
    order..., id). Django's bulk_update would build one CASE expression per field instead.

    On PostgreSQL many rows are copied into a temporary table first, then updated from it in
    one statement (a third of the time of a statement per row)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = _columns(model, (*names, "pk"))
    updated, id_column = columns[:-1], columns[-1]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) < STAGED_UPDATE_ROWS:
            assignments = ", ".join(f"{column} = %s" for column in updated)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {id_column} = %s",
                _adapted_rows(model, (*names, "pk"), rows),
            )
            return
        staging = quote(f"{model._meta.db_table}_staged")
        with transaction.atomic():  # ON COMMIT DROP: the table lives in this transaction only
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
                f" SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            _copy_rows(cursor, staging, columns, rows)
            assignments = ", ".join(f"{column} = staged.{column}" for column in updated)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {staging} AS staged"
                f" WHERE {table}.{id_column} = staged.{id_column}"
            )
            cursor.execute(f"DROP TABLE {staging}")  # another update may follow in this one


def _apply(writes: ClockWrites) -> None:
    if writes.delete:  # first: a replacement row takes the deleted one's sequence
        SLAClock.objects.filter(pk__in=writes.delete).delete()
    if writes.update:
        _update_rows(SLAClock, CLOCK_UPDATE_FIELDS, writes.update)
    if writes.create:
        _insert_rows(SLAClock, CLOCK_INSERT_FIELDS, writes.create)


def incident_sla_summary(results: Iterable[ClockResult]) -> tuple[dt.datetime | None, str]:
    """The incident's `sla_due_at` (nearest due of a counting clock) and `sla_state`."""
    live = [result for result in results if result.state != ClockState.CANCELLED]
    if not live:
        return None, ""
    due = min((r.due_at for r in live if r.counting and r.due_at is not None), default=None)
    if any(r.breached for r in live):
        return due, "breached"
    if any(r.warnings_passed for r in live if r.stopped_at is None):
        return due, "warning"
    return due, "ok"


def refresh_incident_clocks(
    incident: Any, *, now: dt.datetime | None = None, targets: Sequence[Target] | None = None
) -> list[ClockResult]:
    """Bring the incident's clocks up to date with its journal.

    Incident services call this at the end of every write, inside their transaction, after
    the journal event is recorded; it is the only way clocks change besides the scan and
    a recompute, and it computes them exactly as the recompute does.
    """
    history = incident_history(incident.pk)
    now = _measuring_time(history, now or current_time())
    results = compute_clocks(history, targets if targets is not None else active_targets(), now=now)
    existing = stored_clocks([incident.pk]).get(incident.pk, {})
    _apply(plan_clock_rows(incident.pk, results, existing, now))
    due, state = incident_sla_summary(results)
    _incident_model().objects.filter(pk=incident.pk).update(sla_due_at=due, sla_state=state)
    incident.sla_due_at, incident.sla_state = due, state
    return results


def explain_incident_clocks(incident: Any, *, now: dt.datetime | None = None) -> list[ClockResult]:
    """The clocks with the intervals counted, paused and outside hours, for the ticket page."""
    return compute_clocks(
        incident_history(incident.pk), active_targets(), now=now or current_time(), explain=True
    )


# -- the recompute -----------------------------------------------------------------------------


@dataclass
class IncidentPlan:
    """One incident's recompute: what it read and what it will write."""

    events: int  # journal events read: a different count later means the journal grew
    clocks: int
    writes: ClockWrites
    summary: tuple[dt.datetime | None, str] | None  # (sla_due_at, sla_state) if they changed


def _plan_incidents(
    incident_ids: Sequence[int], targets: Sequence[Target], now: dt.datetime
) -> dict[int, IncidentPlan]:
    """Read the incidents' journals and stored clocks and plan the writes. Reads only."""
    journals = journal_histories(incident_ids)
    existing = stored_clocks(incident_ids)
    stored = {
        pk: (due, state)
        for pk, due, state in _fetch_values(
            _incident_model(), ("pk", "sla_due_at", "sla_state"), [("pk", incident_ids)]
        )
    }
    plans = {}
    for incident_id in incident_ids:
        journal = journals.get(incident_id, JournalHistory(0, []))
        history = journal.states
        results = compute_clocks(history, targets, now=_measuring_time(history, now))
        summary = incident_sla_summary(results)
        plans[incident_id] = IncidentPlan(
            events=journal.events,
            clocks=len(results),
            writes=plan_clock_rows(incident_id, results, existing.get(incident_id, {}), now),
            summary=None if stored.get(incident_id) == summary else summary,
        )
    return plans


def _journal_mark() -> int | None:
    """On SQLite, the journal's last id before a batch is read. SQLite has one writer at a
    time, so ids are committed in order: what is journaled after the mark has a higher id.
    PostgreSQL hands ids out before commit (see journal/selectors.py): None, compare counts."""
    if connection.vendor != "sqlite":
        return None
    return JournalEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _journaled_since_planned(plans: dict[int, IncidentPlan], mark: int | None) -> list[int]:
    """The incidents journaled since their plan read the journal: a live write (or the scan)
    in between."""
    if mark is not None:
        since_mark = JournalEvent.objects.filter(id__gt=mark, subject_type=_incident_content_type())
        journaled = {int(subject) for subject in since_mark.values_list("subject_id", flat=True)}
        return [incident_id for incident_id in plans if incident_id in journaled]
    counts = journal_event_counts(list(plans))
    return [
        incident_id
        for incident_id, plan in plans.items()
        if counts.get(incident_id, 0) != plan.events
    ]


def recompute_batch(
    incident_ids: Sequence[int], targets: Sequence[Target], now: dt.datetime
) -> tuple[int, int]:
    """Recompute the clocks of these incidents from the journal; returns (clocks, changed).

    The reading and computing happen before the write transaction: on SQLite a write
    transaction holds the database's one write lock, and parallel workers would otherwise take
    turns for the whole batch. Inside the transaction (the incidents locked where the database
    can lock rows, as the incident services lock them) the incidents journaled since they were
    read are planned again, so a concurrent write is never overwritten with stale clocks.
    """
    mark = _journal_mark()
    plans = _plan_incidents(incident_ids, targets, now)
    clocks = sum(plan.clocks for plan in plans.values())
    if not any(plan.writes or plan.summary is not None for plan in plans.values()):
        return clocks, 0  # nothing differs: re-measuring settled history is a read
    with transaction.atomic():
        if connection.features.has_select_for_update:
            incidents = _incident_model().objects.filter(pk__in=incident_ids).order_by("pk")
            list(incidents.select_for_update().values_list("pk", flat=True))
        if journaled := _journaled_since_planned(plans, mark):
            plans.update(_plan_incidents(journaled, targets, now))
            clocks = sum(plan.clocks for plan in plans.values())
        writes = ClockWrites()
        summaries = []
        for incident_id, plan in plans.items():
            writes.extend(plan.writes)
            if plan.summary is not None:
                summaries.append((*plan.summary, incident_id))
        _apply(writes)
        if summaries:
            _update_rows(_incident_model(), ["sla_due_at", "sla_state"], summaries)
    return clocks, writes.changed


# What each worker process recomputes with, set when the process starts.
_worker_job: dict[str, Any] = {}


def _start_worker(targets: Sequence[Target], now: dt.datetime) -> None:
    _worker_job.update(targets=targets, now=now)


def _recompute_in_worker(incident_ids: list[int]) -> tuple[int, int, int]:
    clocks, changed = recompute_batch(incident_ids, _worker_job["targets"], _worker_job["now"])
    return len(incident_ids), clocks, changed


def do_recompute_clocks(
    *,
    actor: Any,
    since: dt.datetime | None = None,
    reason: str = "",
    batch_size: int = 1000,
    workers: int = 1,
    now: dt.datetime | None = None,
    progress: Any = None,
) -> RecomputeRun:
    """Rebuild every clock from the journal (incidents opened since `since`, and every open
    one), with the current definitions and calendars. Journaled; each batch commits alone so a
    long run can be interrupted and simply run again.

    `workers` > 1 splits the batches over that many processes (see
    kaizen.core.processes.usable_workers for when it falls back to this process alone). The
    default is one: this also runs after a definition changes, from a web request, which must
    not fork.
    """
    now = now or current_time()
    run = RecomputeRun.objects.create(started_at=now, since=since, reason=reason, actor=actor)
    targets = active_targets()
    incidents = _incident_model().objects.order_by("pk")
    if since is not None:
        incidents = incidents.filter(Q(opened_at__gte=since) | Q(state__in=OPEN_STATES))
    ids = list(incidents.values_list("pk", flat=True))
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    with older_objects_frozen():
        for incidents_done, clocks, changed in run_jobs(
            _recompute_in_worker,
            batches,
            workers=workers,
            ordered=False,
            initializer=_start_worker,
            initargs=(targets, now),
        ):
            run.incidents += incidents_done
            run.clocks += clocks
            run.changed_clocks += changed
            if progress is not None:
                progress(run)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(update_fields=["incidents", "clocks", "changed_clocks", "finished_at"])
        record_event(
            EventType.SLA_RECOMPUTED,
            run,
            actor=actor,
            data={
                "since": since,
                "reason": reason,
                "incidents": run.incidents,
                "clocks": run.clocks,
                "changed_clocks": run.changed_clocks,
            },
        )
    return run


@dataclass
class ScanReport:
    examined: int = 0
    warnings: int = 0
    breaches: int = 0
    skipped: int = 0


def _escalate(clock: SLAClock, incident: Any, percent: int) -> None:
    from kaizen.sla.escalations import run_escalations

    run_escalations(clock, incident, percent)


def advance_clock(
    clock: SLAClock, now: dt.datetime, target: Target | None = None
) -> tuple[int, int]:
    """Fire what has come due on one claimed clock; returns (warnings, breaches) fired."""
    from kaizen.sla.targets import target_for

    if target is None:  # a definition switched off since: its running clocks still finish
        target = target_for(clock.definition)
    incident = clock.incident
    elapsed = clock.elapsed_us
    if clock.running_since is not None:
        elapsed = clock.elapsed_at_running_since_us + target.calendar.business_us(
            clock.running_since, now
        )
    warnings = breaches = 0
    fired: list[int] = []
    for percent in target.thresholds:
        if percent > clock.warned_percent and elapsed * 100 >= percent * clock.target_us:
            record_event(
                EventType.SLA_CLOCK_WARNING,
                incident,
                actor=None,
                data={"definition": clock.definition, "kind": clock.kind, "percent": percent},
            )
            clock.warned_percent = percent
            fired.append(percent)
            warnings += 1
    if elapsed > clock.target_us and not clock.breach_notified:
        record_event(
            EventType.SLA_CLOCK_BREACHED,
            incident,
            actor=None,
            data={"definition": clock.definition, "kind": clock.kind, "breach_at": clock.breach_at},
        )
        clock.breach_notified = True
        clock.breached = True
        if clock.state in (ClockState.RUNNING, ClockState.PAUSED):
            clock.state = ClockState.BREACHED
        fired.append(100)
        breaches += 1
    clock.elapsed_us, clock.computed_at = elapsed, now
    clock.next_action_at = None
    if clock.running_since is not None:
        upcoming = [
            target.calendar.instant_reaching(
                clock.running_since,
                max(-(-p * clock.target_us // 100) - clock.elapsed_at_running_since_us, 0),
            )
            for p in target.thresholds
            if p > clock.warned_percent
        ]
        if not clock.breach_notified and clock.breach_at is not None:
            upcoming.append(clock.breach_at)
        clock.next_action_at = min(upcoming, default=None)
    clock.save(
        update_fields=[
            "warned_percent",
            "breach_notified",
            "breached",
            "state",
            "elapsed_us",
            "computed_at",
            "next_action_at",
        ]
    )
    if breaches or warnings:
        state = "breached" if clock.breached else "warning"
        _incident_model().objects.filter(pk=incident.pk).exclude(sla_state="breached").update(
            sla_state=state
        )
    # Last: an escalation may change the incident (reassign, raise priority), which refreshes
    # its clocks from the journal; the bookkeeping saved above survives that refresh.
    for percent in fired:
        _escalate(clock, incident, percent)
    return warnings, breaches


def scan_due_clocks(*, now: dt.datetime | None = None, limit: int = 5000) -> ScanReport:
    """The periodic scan: warnings and breaches that came due since the last run.

    Each clock is claimed with a conditional UPDATE on its `next_action_at`, inside the same
    transaction as what it fires, so parallel workers never fire the same warning twice and a
    worker that dies mid-way leaves the clock due for the next scan.
    """
    now = now or current_time()
    report = ScanReport()
    targets = {target.id: target for target in active_targets()}
    due = list(
        SLAClock.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at")
        .values_list("pk", "next_action_at")[:limit]
    )
    for pk, marker in due:
        report.examined += 1
        with transaction.atomic():
            claimed = SLAClock.objects.filter(pk=pk, next_action_at=marker).update(
                next_action_at=None
            )
            if not claimed:
                report.skipped += 1
                continue
            clock = SLAClock.objects.select_related(
                "definition__calendar", "incident__assignment_group", "incident__assignee"
            ).get(pk=pk)
            warnings, breaches = advance_clock(clock, now, targets.get(clock.definition_id))
            report.warnings += warnings
            report.breaches += breaches
    return report
