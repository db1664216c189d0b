"""SLA clocks: refreshed after every ticket write, advanced by the periodic scan, recomputed
from the journal on demand. All three go through the same engine (kaizen/sla/engine.py)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
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


def incident_history(incident_id: int) -> list[TicketState]:
    events = (
        JournalEvent.objects.filter(
            subject_type=_incident_content_type(), subject_id=str(incident_id)
        )
        .order_by("id")
        .values_list("occurred_at", "changes")
    )
    return ticket_history(events)


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


def _row_values(result: ClockResult) -> dict[str, Any]:
    return {
        "definition_id": result.target.id,
        "kind": result.kind,
        "state": result.state,
        "target_us": result.target.target_us,
        "elapsed_us": result.elapsed_us,
        "started_at": result.started_at,
        "stopped_at": result.stopped_at,
        "cancelled_at": result.cancelled_at,
        "running_since": result.running_since,
        "elapsed_at_running_since_us": result.elapsed_at_running_since_us,
        "due_at": result.due_at,
        "breach_at": result.breach_at,
        "breached": result.breached,
    }


@dataclass
class ClockWrites:
    create: list[SLAClock]
    update: list[SLAClock]
    delete: list[int]
    changed: int


def plan_clock_rows(
    incident_id: int,
    results: Sequence[ClockResult],
    existing: dict[int, SLAClock],
    now: dt.datetime,
) -> ClockWrites:
    """The inserts, updates and deletes that make the stored clocks match `results`."""
    writes = ClockWrites(create=[], update=[], delete=[], changed=0)
    for sequence, result in enumerate(results):
        values = _row_values(result)
        row = existing.get(sequence)
        if row is not None and row.definition_id == result.target.id:
            next_action = _next_action(result, row.warned_percent, row.breach_notified, now)
            differs = any(getattr(row, name) != value for name, value in values.items())
            if differs or row.next_action_at != next_action:
                # Unchanged rows are not written back: re-measuring settled history is a read.
                for name, value in values.items():
                    setattr(row, name, value)
                row.computed_at, row.next_action_at = now, next_action
                writes.update.append(row)
                writes.changed += int(differs)
            continue
        if row is not None:
            writes.delete.append(row.pk)
        # A clock seen for the first time (a new ticket, or history being re-measured): what
        # already lay in the past is not announced again.
        warned = max(result.warnings_passed, default=0)
        writes.create.append(
            SLAClock(
                incident_id=incident_id,
                sequence=sequence,
                computed_at=now,
                warned_percent=warned,
                breach_notified=result.breached,
                next_action_at=_next_action(result, warned, result.breached, now),
                **values,
            )
        )
        writes.changed += 1
    for sequence, row in existing.items():
        if sequence >= len(results):
            writes.delete.append(row.pk)
            writes.changed += 1
    return writes


def _update_rows(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """`UPDATE table SET fields... WHERE id = ?` for many rows in one executemany: at recompute
    volume Django's bulk_update spends more time building CASE expressions than the database
    spends writing. Each row is (values in `names` order..., id); values are adapted by their
    fields exactly as the ORM would (datetimes on SQLite, for one)."""
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    params = [
        [
            field.get_db_prep_value(value, connection)
            for field, value in zip(fields, row, strict=False)
        ]
        + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {model._meta.db_table} SET {assignments} WHERE id = %s", params)


CLOCK_UPDATE_FIELDS = (*DERIVED_FIELDS, "computed_at", "next_action_at")


def _apply(writes: ClockWrites) -> None:
    if writes.delete:
        SLAClock.objects.filter(pk__in=writes.delete).delete()
    if writes.update:
        _update_rows(
            SLAClock,
            CLOCK_UPDATE_FIELDS,
            (
                [getattr(row, name) for name in CLOCK_UPDATE_FIELDS] + [row.pk]
                for row in writes.update
            ),
        )
    if writes.create:
        SLAClock.objects.bulk_create(writes.create, batch_size=500)


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
    existing = {row.sequence: row for row in SLAClock.objects.filter(incident_id=incident.pk)}
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


def _chunks(iterable: Iterable[int], size: int) -> Iterable[list[int]]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def recompute_batch(
    incident_ids: Sequence[int], targets: Sequence[Target], now: dt.datetime
) -> tuple[int, int]:
    """Recompute the clocks of these incidents from the journal; returns (clocks, changed)."""
    content_type = _incident_content_type()
    events: dict[int, list[tuple[dt.datetime, dict]]] = defaultdict(list)
    rows = (
        JournalEvent.objects.filter(
            subject_type=content_type, subject_id__in=[str(i) for i in incident_ids]
        )
        .order_by("id")
        .values_list("subject_id", "occurred_at", "changes")
    )
    for subject_id, occurred_at, changes in rows.iterator(chunk_size=5000):
        events[int(subject_id)].append((occurred_at, changes))
    existing: dict[int, dict[int, SLAClock]] = defaultdict(dict)
    for row in SLAClock.objects.filter(incident_id__in=incident_ids):
        existing[row.incident_id][row.sequence] = row
    total = ClockWrites(create=[], update=[], delete=[], changed=0)
    Incident = _incident_model()
    stored = {
        pk: (due, state)
        for pk, due, state in Incident.objects.filter(pk__in=incident_ids).values_list(
            "pk", "sla_due_at", "sla_state"
        )
    }
    summaries = []
    clocks = 0
    for incident_id in incident_ids:
        history = ticket_history(events.get(incident_id, []))
        results = compute_clocks(history, targets, now=_measuring_time(history, now))
        clocks += len(results)
        writes = plan_clock_rows(incident_id, results, existing.get(incident_id, {}), now)
        total.create += writes.create
        total.delete += writes.delete
        total.changed += writes.changed
        total.update += writes.update
        summary = incident_sla_summary(results)
        if stored.get(incident_id) != summary:
            summaries.append((*summary, incident_id))
    _apply(total)
    if summaries:
        _update_rows(Incident, ["sla_due_at", "sla_state"], summaries)
    return clocks, total.changed


def do_recompute_clocks(
    *,
    actor: Any,
    since: dt.datetime | None = None,
    reason: str = "",
    batch_size: int = 1000,
    now: dt.datetime | None = None,
    progress: Any = None,
) -> RecomputeRun:
    """Rebuild every clock from the journal (incidents opened since `since`, and every open
    one), with the current definitions and calendars. Journaled; each batch commits alone so a
    long run can be interrupted and simply run again."""
    now = now or current_time()
    run = RecomputeRun.objects.create(started_at=now, since=since, reason=reason, actor=actor)
    targets = active_targets()
    incidents = _incident_model().objects.order_by("pk")
    if since is not None:
        incidents = incidents.filter(Q(opened_at__gte=since) | Q(state__in=OPEN_STATES))
    ids = incidents.values_list("pk", flat=True)
    for batch in _chunks(ids.iterator(chunk_size=batch_size), batch_size):
        with transaction.atomic():
            clocks, changed = recompute_batch(batch, targets, now)
        run.incidents += len(batch)
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
