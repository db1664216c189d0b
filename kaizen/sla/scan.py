"""The periodic scan: warnings and breaches that came due since the last run, for the
clocks of every registered ticket kind."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.sla import clock_rows
from kaizen.sla.engine import Target
from kaizen.sla.escalations import run_escalations
from kaizen.sla.kinds import TicketKind, registered_kinds
from kaizen.sla.models import ClockState, SLAClock
from kaizen.sla.targets import active_targets_by_id, target_for


@dataclass
class ScanReport:
    examined: int = 0
    warnings: int = 0
    breaches: int = 0
    skipped: int = 0


def advance_clock(
    clock: SLAClock, now: dt.datetime, target: Target | None = None, *, kind: TicketKind
) -> tuple[int, int]:
    """Fire what has come due on one claimed clock (its ticket fetched: `clock.ticket`);
    returns (warnings, breaches) fired."""
    if target is None:  # a definition switched off since: its running clocks still finish
        target = target_for(clock.definition)
    ticket = clock.ticket
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
                ticket,
                actor=None,
                data={"definition": clock.definition, "kind": clock.kind, "percent": percent},
            )
            clock.warned_percent = percent
            fired.append(percent)
            warnings += 1
    if elapsed > clock.target_us and not clock.breach_notified:
        record_event(
            EventType.SLA_CLOCK_BREACHED,
            ticket,
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
        kind.model._default_manager.filter(pk=ticket.pk).exclude(
            **{kind.sla_state_field: "breached"}
        ).update(**{kind.sla_state_field: state})
    # Last: an escalation may change the ticket (reassign, raise priority), which refreshes
    # its clocks from the journal; the bookkeeping saved above survives that refresh.
    for percent in fired:
        run_escalations(clock, ticket, percent, kind)
    return warnings, breaches


def _fetch_ticket(kind: TicketKind, ticket_id: int) -> Any:
    """The clock's ticket with what escalations read (its group and assignee)."""
    return kind.model._default_manager.select_related(kind.group_field, kind.assignee_field).get(
        pk=ticket_id
    )


def scan_due_clocks(*, now: dt.datetime | None = None, limit: int = 5000) -> ScanReport:
    """The periodic scan: warnings and breaches that came due since the last run.

    Each clock is claimed with a conditional UPDATE on its `next_action_at`, inside the same
    transaction as what it fires, so parallel workers never fire the same warning twice and a
    worker that dies mid-way leaves the clock due for the next scan.
    """
    now = now or clock_rows.current_time()
    report = ScanReport()
    targets = active_targets_by_id()
    kinds = {kind.content_type().pk: kind for kind in registered_kinds()}
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
            clock = SLAClock.objects.select_related("definition__calendar").get(pk=pk)
            kind = kinds[clock.ticket_type_id]
            clock.ticket = _fetch_ticket(kind, clock.ticket_id)
            warnings, breaches = advance_clock(
                clock, now, targets.get(clock.definition_id), kind=kind
            )
            report.warnings += warnings
            report.breaches += breaches
    return report
