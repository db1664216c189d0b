"""`kaizen sla recompute`: every clock of every registered ticket kind rebuilt from the
journal, in committed batches of ticket ids, shared among worker processes."""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q

from kaizen.core.processes import older_objects_frozen, run_jobs
from kaizen.journal.models import JournalEvent
from kaizen.sla import clock_rows
from kaizen.sla.clock_rows import ClockWrites, JournalHistory
from kaizen.sla.engine import Target, TargetSet, compute_clocks
from kaizen.sla.kinds import DEFAULT_KIND, TicketKind, get_kind, registered_kinds
from kaizen.sla.models import RecomputeRun
from kaizen.sla.targets import active_targets


@dataclass
class TicketPlan:
    """One ticket's recompute: what it read and what it will write."""

    events: int  # journal events read: a different count later means the journal grew
    clocks: int
    writes: ClockWrites
    summary: tuple[dt.datetime | None, str] | None  # (due, SLA state) if they changed


def _plan_tickets(
    kind: TicketKind, ticket_ids: Sequence[int], targets: TargetSet, now: dt.datetime
) -> dict[int, TicketPlan]:
    """Read the tickets' journals and stored clocks and plan the writes. Reads only."""
    ticket_type_id = kind.content_type().pk
    rules = kind.rules
    journals = clock_rows.journal_histories(ticket_type_id, ticket_ids)
    existing = clock_rows.stored_clocks(ticket_type_id, ticket_ids)
    stored = {
        pk: (due, state)
        for pk, due, state in clock_rows.fetch_values(
            kind.model, ("pk", kind.due_field, kind.sla_state_field), [("pk", ticket_ids)]
        )
    }
    plans = {}
    for ticket_id in ticket_ids:
        journal = journals.get(ticket_id, JournalHistory(0, []))
        history = journal.states
        results = compute_clocks(
            history, targets, now=clock_rows.measuring_time(history, now), rules=rules
        )
        summary = clock_rows.sla_summary(results)
        plans[ticket_id] = TicketPlan(
            events=journal.events,
            clocks=len(results),
            writes=clock_rows.plan_clock_rows(
                ticket_type_id, ticket_id, results, existing.get(ticket_id, {}), now
            ),
            summary=None if stored.get(ticket_id) == summary else summary,
        )
    return plans


def _journal_mark() -> int | None:
    """On SQLite, the journal's last id before a batch is read. SQLite has one writer at a
    time, so ids are committed in order: what is journaled after the mark has a higher id.
    PostgreSQL hands ids out before commit (see journal/selectors.py): None, compare counts."""
    if connection.vendor != "sqlite":
        return None
    return JournalEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _journaled_since_planned(
    kind: TicketKind, plans: dict[int, TicketPlan], mark: int | None
) -> list[int]:
    """The tickets journaled since their plan read the journal: a live write (or the scan)
    in between."""
    ticket_type_id = kind.content_type().pk
    if mark is not None:
        since_mark = JournalEvent.objects.filter(id__gt=mark, subject_type_id=ticket_type_id)
        journaled = {int(subject) for subject in since_mark.values_list("subject_id", flat=True)}
        return [ticket_id for ticket_id in plans if ticket_id in journaled]
    counts = clock_rows.journal_event_counts(ticket_type_id, list(plans))
    return [
        ticket_id for ticket_id, plan in plans.items() if counts.get(ticket_id, 0) != plan.events
    ]


def recompute_batch(
    ticket_ids: Sequence[int],
    targets: Sequence[Target] | TargetSet,
    now: dt.datetime,
    kind: TicketKind | None = None,
) -> tuple[int, int]:
    """Recompute the clocks of these tickets (of `kind`, the default kind when None) from the
    journal; returns (clocks, changed).

    The reading and computing happen before the write transaction: on SQLite a write
    transaction holds the database's one write lock, and parallel workers would otherwise take
    turns for the whole batch. Inside the transaction (the tickets locked where the database
    can lock rows, as the process's services lock them) the tickets journaled since they were
    read are planned again, so a concurrent write is never overwritten with stale clocks.
    """
    kind = kind or get_kind(DEFAULT_KIND)
    if not isinstance(targets, TargetSet):
        targets = TargetSet(targets)
    mark = _journal_mark()
    plans = _plan_tickets(kind, ticket_ids, targets, now)
    clocks = sum(plan.clocks for plan in plans.values())
    if not any(plan.writes or plan.summary is not None for plan in plans.values()):
        return clocks, 0  # nothing differs: re-measuring settled history is a read
    with transaction.atomic():
        if connection.features.has_select_for_update:
            tickets = kind.model._default_manager.filter(pk__in=ticket_ids).order_by("pk")
            list(tickets.select_for_update().values_list("pk", flat=True))
        if journaled := _journaled_since_planned(kind, plans, mark):
            plans.update(_plan_tickets(kind, journaled, targets, now))
            clocks = sum(plan.clocks for plan in plans.values())
        writes = ClockWrites()
        summaries = []
        for ticket_id, plan in plans.items():
            writes.extend(plan.writes)
            if plan.summary is not None:
                summaries.append((*plan.summary, ticket_id))
        clock_rows.apply_clock_writes(writes)
        if summaries:
            clock_rows.write_summaries(kind, summaries)
    return clocks, writes.changed


def ticket_ids_to_recompute(
    kind: TicketKind, since: dt.datetime | None, settled_after: int | None = None
) -> tuple[list[int], int]:
    """The kind's tickets to recompute, and how many are left as they are.

    Without `since`, every ticket; with it, those opened since and every open one. With
    `settled_after` (the journal mark of the last full recompute with the same configuration,
    see `settled_base`), a ticket is left as it is when it is not open now and has no journal
    event after the mark: its history is the one that recompute read, it was not open then
    either, so no clock of it was counting and the same history and configuration give the
    same clocks. Open tickets are always recomputed (their clocks run with time)."""
    tickets = kind.model._default_manager.order_by("pk")
    if since is not None:
        tickets = tickets.filter(
            Q(**{f"{kind.opened_field}__gte": since})
            | Q(**{f"{kind.rules.state_field}__in": kind.open_states})
        )
    if settled_after is None:
        return list(tickets.values_list("pk", flat=True)), 0
    journaled = {
        int(subject_id)
        for subject_id in JournalEvent.objects.filter(
            id__gt=settled_after, subject_type=kind.content_type()
        )
        .values_list("subject_id", flat=True)
        .distinct()
    }
    state = kind.rules.state_field
    ids, settled = [], 0
    for pk, ticket_state in tickets.values_list("pk", state).iterator(chunk_size=10_000):
        if ticket_state in kind.rules.open_states or pk in journaled:
            ids.append(pk)
        else:
            settled += 1
    return ids, settled


def settled_base(configuration: str) -> int | None:
    """The journal mark of the last finished full-coverage recompute (no `since`) that
    measured with `configuration`, or None: then every ticket is recomputed."""
    base = (
        RecomputeRun.objects.filter(
            finished_at__isnull=False,
            since__isnull=True,
            configuration=configuration,
            journal_mark__isnull=False,
        )
        .order_by("-pk")
        .values_list("journal_mark", flat=True)
        .first()
    )
    return base


# What each worker process recomputes with, set when the process starts: the targets of each
# kind (by key), prepared once for every batch (TargetSet remembers which target applies to
# which field values), and the instant measured to.
_worker_job: dict[str, Any] = {}


def _start_worker(targets: Mapping[str, Sequence[Target]], now: dt.datetime) -> None:
    prepared = {key: TargetSet(kind_targets) for key, kind_targets in targets.items()}
    _worker_job.update(targets=prepared, now=now)


def _recompute_in_worker(job: tuple[str, list[int]]) -> tuple[int, int, int]:
    key, ticket_ids = job
    clocks, changed = recompute_batch(
        ticket_ids, _worker_job["targets"][key], _worker_job["now"], get_kind(key)
    )
    return len(ticket_ids), clocks, changed


def recompute_tickets(
    *,
    since: dt.datetime | None,
    now: dt.datetime,
    batch_size: int,
    workers: int,
    on_batch: Callable[[int, int, int], None],
    settled_after: int | None = None,
) -> int:
    """Recompute every registered kind's tickets (`ticket_ids_to_recompute`) in batches of
    ids, calling `on_batch(tickets, clocks, changed)` as each batch commits; returns how many
    settled tickets were left as they were. The kinds' rules and targets are resolved once
    here, not per ticket."""
    targets = {kind.key: active_targets(kind.key) for kind in registered_kinds()}
    jobs: list[tuple[str, list[int]]] = []
    settled = 0
    for kind in registered_kinds():
        ids, kind_settled = ticket_ids_to_recompute(kind, since, settled_after)
        settled += kind_settled
        jobs += [
            (kind.key, ids[start : start + batch_size]) for start in range(0, len(ids), batch_size)
        ]
    with older_objects_frozen():
        for tickets_done, clocks, changed in run_jobs(
            _recompute_in_worker,
            jobs,
            workers=workers,
            ordered=False,
            initializer=_start_worker,
            initargs=(targets, now),
        ):
            on_batch(tickets_done, clocks, changed)
    return settled
