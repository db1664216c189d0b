"""SLA clocks: refreshed after every ticket write, advanced by the periodic scan, recomputed
from the journal on demand. All three go through the same engine (kaizen/sla/engine.py)."""

import datetime as dt
import json
import multiprocessing
import multiprocessing.util
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, models, transaction
from django.db.models import Count, Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event
from kaizen.sla.engine import ClockResult, Target, TicketState, compute_clocks
from kaizen.sla.history import ticket_history
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


# -- reading: rows as the driver returns them, converted only where they need it ---------------
#
# At recompute volume the ORM's generic per-value converters cost more than the queries, and
# on SQLite so does the driver's datetime parsing followed by replace(tzinfo=...): SQLite keeps
# datetimes as naive UTC text, which read as text becomes an aware datetime in one step.


def _datetimes_as_text() -> bool:
    """Whether datetime columns are read as text (see above): SQLite with UTC connections."""
    return connection.vendor == "sqlite" and connection.timezone is dt.UTC


def _db_datetime(value: Any) -> dt.datetime:
    """A datetime column's value as the ORM returns it: aware."""
    if isinstance(value, str):  # naive UTC text from SQLite (see _datetimes_as_text)
        return dt.datetime.fromisoformat(value + "+00:00")
    if value.tzinfo is None:  # SQLite in another zone: parsed by the driver, naive
        return value.replace(tzinfo=connection.timezone)
    return value  # PostgreSQL's driver returns aware datetimes


def _field(model: Any, name: str) -> Any:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _fetch_rows(queryset: QuerySet, *names: str) -> list[tuple[Any, ...]]:
    """`queryset.values_list(*names)` as the driver returns the rows, unconverted (datetime
    columns as text where `_datetimes_as_text`)."""
    if _datetimes_as_text():
        as_text = {
            f"{name}_as_text": Cast(name, TextField())
            for name in names
            if isinstance(_field(queryset.model, name), models.DateTimeField)
        }
        queryset = queryset.annotate(**as_text)
        names = tuple(f"{name}_as_text" if f"{name}_as_text" in as_text else name for name in names)
    sql, params = queryset.values_list(*names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@cache
def _row_reader(model: Any, names: tuple[str, ...]) -> Callable[[Sequence[Any]], list[Any]]:
    """Turns a driver row of `names` into the values the ORM would return, touching only the
    columns whose driver value differs: datetimes, booleans (0/1 on SQLite), JSON (text)."""
    conversions: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        field = _field(model, name)
        if isinstance(field, models.DateTimeField):
            conversions.append((position, _db_datetime))
        elif isinstance(field, models.BooleanField):
            conversions.append((position, bool))
        elif isinstance(field, models.JSONField):
            conversions.append((position, json.loads))

    def read(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for position, convert in conversions:
            value = values[position]
            if value is not None:
                values[position] = convert(value)
        return values

    return read


def _fetch_values(queryset: QuerySet, *names: str) -> list[list[Any]]:
    """`queryset.values_list(*names)`, read through a plain cursor (see above)."""
    read = _row_reader(queryset.model, names)
    return [read(row) for row in _fetch_rows(queryset, *names)]


def _incident_events(incident_ids: Sequence[int]) -> QuerySet:
    return JournalEvent.objects.filter(
        subject_type=_incident_content_type(), subject_id__in=[str(i) for i in incident_ids]
    )


# json.loads first strips surrounding whitespace with two regular expressions; the stored JSON
# (Django's json.dumps on SQLite, jsonb's text on PostgreSQL) has none, and at one parse per
# journal event that is a quarter of the parsing time.
_decode_json = json.JSONDecoder().raw_decode


def journal_changes(incident_ids: Sequence[int]) -> dict[int, list[tuple[dt.datetime, dict]]]:
    """Each incident's journal events as (occurred_at, changes), in journal order.

    The recompute reads every event of the journal through here, so its columns are
    converted in one loop rather than through `_row_reader`."""
    # Ordered as the (subject_type, subject_id, id) index is: each incident's events stay in
    # journal order, and SQLite's planner then looks the batch up through that index; ordered
    # by id alone it walks every incident event through the subject_type index instead.
    rows = _fetch_rows(
        _incident_events(incident_ids).order_by("subject_id", "id"),
        "subject_id",
        "occurred_at",
        "changes",
    )
    events: dict[int, list[tuple[dt.datetime, dict]]] = {}
    incident_events: list[tuple[dt.datetime, dict]] = []
    previous_subject = None
    for subject_id, occurred_at, changes in rows:
        if subject_id != previous_subject:
            previous_subject = subject_id
            incident_events = events[int(subject_id)] = []
        incident_events.append((_db_datetime(occurred_at), _decode_json(changes)[0]))
    return events


def incident_history(incident_id: int) -> list[TicketState]:
    return ticket_history(journal_changes([incident_id]).get(incident_id, []))


class StoredClock(NamedTuple):
    """A stored clock as the planner compares it with a freshly computed one."""

    pk: int
    derived: tuple[Any, ...]  # DERIVED_FIELDS, in that order
    warned_percent: int
    breach_notified: bool
    next_action_at: dt.datetime | None


def stored_clocks(incident_ids: Sequence[int]) -> dict[int, dict[int, StoredClock]]:
    """incident id -> sequence -> its stored clock."""
    clocks: dict[int, dict[int, StoredClock]] = defaultdict(dict)
    rows = _fetch_values(
        SLAClock.objects.filter(incident_id__in=incident_ids).order_by(),
        "pk",
        "incident_id",
        "sequence",
        *DERIVED_FIELDS,
        "warned_percent",
        "breach_notified",
        "next_action_at",
    )
    derived_end = 3 + len(DERIVED_FIELDS)
    for row in rows:
        clocks[row[1]][row[2]] = StoredClock(row[0], tuple(row[3:derived_end]), *row[derived_end:])
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


# -- writing: one executemany per statement ----------------------------------------------------


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
        if isinstance(model._meta.get_field(name), models.DateTimeField)
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


def _insert_rows(model: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",
            _adapted_rows(model, names, rows),
        )


def _update_rows(model: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """`UPDATE table SET names... WHERE id = ?` for many rows; each row is (values in `names`
    order..., id). Django's bulk_update would build one CASE expression per field instead."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE id = %s",
            _adapted_rows(model, (*names, "id"), rows),
        )


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
    events = journal_changes(incident_ids)
    existing = stored_clocks(incident_ids)
    incidents = _incident_model().objects.filter(pk__in=incident_ids).order_by()
    stored = {
        pk: (due, state)
        for pk, due, state in _fetch_values(incidents, "pk", "sla_due_at", "sla_state")
    }
    plans = {}
    for incident_id in incident_ids:
        incident_events = events.get(incident_id, [])
        history = ticket_history(incident_events)
        results = compute_clocks(history, targets, now=_measuring_time(history, now))
        summary = incident_sla_summary(results)
        plans[incident_id] = IncidentPlan(
            events=len(incident_events),
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
    # The journal is append-only: an unchanged total means no incident's count grew.
    events = _incident_events(list(plans)).order_by()
    if events.count() == sum(plan.events for plan in plans.values()):
        return []
    counts = dict(
        events.values("subject_id").annotate(events=Count("id")).values_list("subject_id", "events")
    )
    return [
        incident_id
        for incident_id, plan in plans.items()
        if counts.get(str(incident_id), 0) != plan.events
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


def recompute_workers_default() -> int:
    """Worker processes for a recompute: the CPUs this process may use, at most 4. Workers
    share one database; on SQLite their writes take turns on its one write lock, so beyond a
    few of them more workers only queue."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _usable_workers(requested: int) -> int:
    """Worker processes only where they see what this process sees: not inside a transaction
    (they would not see its uncommitted rows, and the run commits batch by batch anyway), not
    on an in-memory SQLite database (each process would open its own, empty one), and only
    where processes can be forked (they inherit the loaded definitions and calendars)."""
    if requested <= 1 or connection.in_atomic_block:
        return 1
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return requested


# What each worker process recomputes with, set when the process starts.
_worker_job: dict[str, Any] = {}


def _start_worker(targets: Sequence[Target], now: dt.datetime) -> None:
    _worker_job.update(targets=targets, now=now)
    # Close this process's own connection when it exits normally (pool.close + join).
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=0)


def _recompute_in_worker(incident_ids: list[int]) -> tuple[int, int, int]:
    clocks, changed = recompute_batch(incident_ids, _worker_job["targets"], _worker_job["now"])
    return len(incident_ids), clocks, changed


def _recompute_batches(
    batches: Sequence[list[int]], targets: Sequence[Target], now: dt.datetime, workers: int
) -> Iterator[tuple[int, int, int]]:
    """(incidents, clocks, changed clocks) of each batch as it commits, in any order."""
    if workers <= 1:
        for batch in batches:
            yield len(batch), *recompute_batch(batch, targets, now)
        return
    # A forked process must not share the parent's database connection: close it so each
    # worker opens its own. This process does not touch the database again until the pool
    # is done, so a worker the pool re-forks does not inherit one either.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(
        workers, initializer=_start_worker, initargs=(targets, now)
    ) as pool:
        yield from pool.imap_unordered(_recompute_in_worker, batches)
        pool.close()
        pool.join()


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

    `workers` > 1 splits the batches over that many processes (see `_usable_workers` for when
    it falls back to this process alone). The default is one: this also runs after a
    definition changes, from a web request, which must not fork.
    """
    now = now or current_time()
    run = RecomputeRun.objects.create(started_at=now, since=since, reason=reason, actor=actor)
    targets = active_targets()
    incidents = _incident_model().objects.order_by("pk")
    if since is not None:
        incidents = incidents.filter(Q(opened_at__gte=since) | Q(state__in=OPEN_STATES))
    ids = list(incidents.values_list("pk", flat=True))
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    for incidents_done, clocks, changed in _recompute_batches(
        batches, targets, now, _usable_workers(workers)
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
