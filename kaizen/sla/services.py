"""Every write of the SLA app, each journaled: calendars, definitions (a change can
re-measure history) and the recompute of every clock from the journal.

The clock machinery the writes use lives beside them: clock_rows.py (reading histories and
stored clocks, planning and applying writes), refresh.py (after a ticket write), recompute.py
and scan.py (the periodic warnings and breaches)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.selectors import committed_end
from kaizen.journal.services import apply_changes, record_event
from kaizen.sla import clock_rows, recompute
from kaizen.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    RecomputeRun,
    SLADefinition,
    WorkingPeriod,
)
from kaizen.sla.targets import configuration_fingerprint
from kaizen.sla.validation import check_definition, check_holiday_region

CALENDAR_FIELDS = (
    "name",
    "slug",
    "description",
    "time_zone",
    "holiday_country",
    "holiday_subdivision",
)
DEFINITION_FIELDS = (
    "name",
    "ticket_kind",
    "kind",
    "order",
    "is_active",
    "calendar",
    "target_minutes",
    "service",
    "offering",
    "priorities",
    "conditions",
    "pause_reasons",
    "warning_thresholds",
    "escalations",
)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _periods_value(periods: Sequence[tuple[int, dt.time, dt.time]]) -> list[str]:
    return [f"{WEEKDAYS[day]} {start:%H:%M}-{end:%H:%M}" for day, start, end in periods]


def _set_periods(
    calendar: BusinessCalendar, periods: Sequence[tuple[int, dt.time, dt.time]]
) -> None:
    rows = [
        WorkingPeriod(calendar=calendar, weekday=day, start_time=start, end_time=end)
        for day, start, end in periods
    ]
    if not rows:
        raise ValidationError({"periods": "a calendar needs at least one working period"})
    for row in rows:
        row.full_clean(exclude=["calendar"])
    calendar.periods.all().delete()
    WorkingPeriod.objects.bulk_create(rows)


def _set_closures(calendar: BusinessCalendar, closures: Sequence[tuple[dt.date, str]]) -> None:
    dates = [day for day, _ in closures]
    if len(dates) != len(set(dates)):
        raise ValidationError({"closures": "a date is listed twice"})
    calendar.closures.all().delete()
    CalendarClosure.objects.bulk_create(
        CalendarClosure(calendar=calendar, date=day, name=name) for day, name in closures
    )


@transaction.atomic
def do_create_calendar(
    *,
    actor: Any,
    periods: Sequence[tuple[int, dt.time, dt.time]],
    closures: Sequence[tuple[dt.date, str]] = (),
    **fields: Any,
) -> BusinessCalendar:
    calendar = BusinessCalendar()
    changes = apply_changes(calendar, fields, CALENDAR_FIELDS)
    calendar.full_clean()
    check_holiday_region(calendar.holiday_country, calendar.holiday_subdivision)
    calendar.save()
    _set_periods(calendar, periods)
    _set_closures(calendar, closures)
    changes["periods"] = {"old": [], "new": _periods_value(periods)}
    if closures:
        changes["closures"] = {"old": [], "new": [f"{d} {n}" for d, n in closures]}
    record_event(EventType.CALENDAR_CREATED, calendar, actor=actor, changes=changes)
    return calendar


@transaction.atomic
def do_update_calendar(
    calendar: BusinessCalendar,
    *,
    actor: Any,
    remeasure_since: dt.datetime | None = None,
    remeasure: bool = False,
    periods: Sequence[tuple[int, dt.time, dt.time]] | None = None,
    closures: Sequence[tuple[dt.date, str]] | None = None,
    **fields: Any,
) -> BusinessCalendar:
    changes = apply_changes(calendar, fields, CALENDAR_FIELDS)
    calendar.full_clean()
    check_holiday_region(calendar.holiday_country, calendar.holiday_subdivision)
    if periods is not None:
        old = _periods_value(
            [(p.weekday, p.start_time, p.end_time) for p in calendar.periods.all()]
        )
        if old != _periods_value(periods):
            _set_periods(calendar, periods)
            changes["periods"] = {"old": old, "new": _periods_value(periods)}
    if closures is not None:
        old = [f"{c.date} {c.name}" for c in calendar.closures.all()]
        new = [f"{d} {n}" for d, n in sorted(closures)]
        if old != new:
            _set_closures(calendar, sorted(closures))
            changes["closures"] = {"old": old, "new": new}
    if changes:
        calendar.save()  # bumps updated_at, which invalidates the cached calendar index
        record_event(
            EventType.CALENDAR_UPDATED,
            calendar,
            actor=actor,
            changes=changes,
            data={"remeasure_since": remeasure_since} if remeasure else None,
        )
        _remeasure(actor, remeasure_since if remeasure else timezone.now(), f"{calendar} changed")
    return calendar


def _remeasure(actor: Any, since: dt.datetime | None, reason: str) -> None:
    transaction.on_commit(lambda: do_recompute_clocks(actor=actor, since=since, reason=reason))


@transaction.atomic
def do_create_sla_definition(*, actor: Any, **fields: Any) -> SLADefinition:
    definition = SLADefinition()
    changes = apply_changes(definition, fields, DEFINITION_FIELDS)
    definition.full_clean()
    check_definition(definition)
    definition.save()
    record_event(EventType.SLA_DEFINITION_CREATED, definition, actor=actor, changes=changes)
    return definition


@transaction.atomic
def do_update_sla_definition(
    definition: SLADefinition,
    *,
    actor: Any,
    remeasure_since: dt.datetime | None = None,
    remeasure: bool = False,
    **fields: Any,
) -> SLADefinition:
    """Change a definition. Open tickets are re-measured after commit; with `remeasure`, also
    the history since `remeasure_since` (all of it when that is None)."""
    changes = apply_changes(definition, fields, DEFINITION_FIELDS)
    if not changes:
        return definition
    definition.full_clean()
    check_definition(definition)
    definition.save()
    record_event(
        EventType.SLA_DEFINITION_UPDATED,
        definition,
        actor=actor,
        changes=changes,
        data={"remeasure_since": remeasure_since} if remeasure else None,
    )
    # Open tickets always follow the new rules; settled history only when asked.
    since = remeasure_since if remeasure else timezone.now()
    _remeasure(actor, since, f"{definition} changed")
    return definition


def do_recompute_clocks(
    *,
    actor: Any,
    since: dt.datetime | None = None,
    reason: str = "",
    batch_size: int = 1000,
    workers: int = 1,
    now: dt.datetime | None = None,
    progress: Any = None,
    full: bool = False,
) -> RecomputeRun:
    """Rebuild every clock of every registered ticket kind from the journal (tickets opened
    since `since`, and every open one), with the current definitions and calendars.
    Journaled; each batch commits alone so a long run can be interrupted and simply run again.

    Tickets settled since the last full recompute with the same configuration (not open, not
    journaled since) are left as they are unless `full` (see kaizen.sla.recompute
    .ticket_ids_to_recompute for why that is safe); `full` re-measures them too, e.g. after
    clocks were changed by hand in the database.

    `workers` > 1 splits the batches over that many processes (see
    kaizen.core.processes.usable_workers for when it falls back to this process alone). The
    default is one: this also runs after a definition changes, from a web request, which must
    not fork.
    """
    now = now or clock_rows.current_time()
    configuration = configuration_fingerprint()
    mark, _ = committed_end()
    settled_after = None if full else recompute.settled_base(configuration)
    run = RecomputeRun.objects.create(
        started_at=now,
        since=since,
        reason=reason,
        actor=actor,
        full=settled_after is None,
        journal_mark=mark,
        configuration=configuration,
    )

    def count(tickets: int, clocks: int, changed: int) -> None:
        run.tickets += tickets
        run.clocks += clocks
        run.changed_clocks += changed
        if progress is not None:
            progress(run)

    run.settled_tickets = recompute.recompute_tickets(
        since=since,
        now=now,
        batch_size=batch_size,
        workers=workers,
        on_batch=count,
        settled_after=settled_after,
    )
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(
            update_fields=["tickets", "clocks", "changed_clocks", "settled_tickets", "finished_at"]
        )
        record_event(
            EventType.SLA_RECOMPUTED,
            run,
            actor=actor,
            data={
                "since": since,
                "reason": reason,
                "tickets": run.tickets,
                "settled_tickets": run.settled_tickets,
                "full": run.full,
                "clocks": run.clocks,
                "changed_clocks": run.changed_clocks,
            },
        )
    return run
