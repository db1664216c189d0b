"""The live refresh: a ticket's clocks brought up to date after every write to it."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kaizen.sla import clock_rows
from kaizen.sla.engine import ClockResult, Target, compute_clocks
from kaizen.sla.kinds import kind_of
from kaizen.sla.targets import active_targets


def refresh_ticket_clocks(
    ticket: Any, *, now: dt.datetime | None = None, targets: Sequence[Target] | None = None
) -> list[ClockResult]:
    """Bring the ticket's clocks up to date with its journal.

    A process's services call this at the end of every write to a ticket of a registered
    kind, inside their transaction, after the journal event is recorded; it is the only way
    clocks change besides the scan and a recompute, and it computes them exactly as the
    recompute does. The ticket's due time and SLA state are written back on it.
    """
    kind = kind_of(ticket)
    ticket_type_id = kind.content_type().pk
    history = clock_rows.ticket_history(ticket_type_id, ticket.pk)
    now = clock_rows.measuring_time(history, now or clock_rows.current_time())
    if targets is None:
        targets = active_targets(kind.key)
    results = compute_clocks(history, targets, now=now, rules=kind.rules)
    existing = clock_rows.stored_clocks(ticket_type_id, [ticket.pk]).get(ticket.pk, {})
    clock_rows.apply_clock_writes(
        clock_rows.plan_clock_rows(ticket_type_id, ticket.pk, results, existing, now)
    )
    due, state = clock_rows.sla_summary(results)
    kind.model._default_manager.filter(pk=ticket.pk).update(
        **{kind.due_field: due, kind.sla_state_field: state}
    )
    setattr(ticket, kind.due_field, due)
    setattr(ticket, kind.sla_state_field, state)
    return results


def explain_ticket_clocks(ticket: Any, *, now: dt.datetime | None = None) -> list[ClockResult]:
    """The clocks with the intervals counted, paused and outside hours, for the ticket page."""
    kind = kind_of(ticket)
    history = clock_rows.ticket_history(kind.content_type().pk, ticket.pk)
    return compute_clocks(
        history,
        active_targets(kind.key),
        now=now or clock_rows.current_time(),
        explain=True,
        rules=kind.rules,
    )
