"""Every write of the SLA app, each journaled: calendars, definitions (a change can
re-measure history) and the recompute of every clock from the journal.

The clock machinery the writes use lives beside them: clock_rows.py (reading histories and
stored clocks, planning and applying writes), refresh.py (after a ticket write), recompute.py
and scan.py (the periodic warnings and breaches)."""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.selectors import committed_end
from kaizen.journal.services import apply_changes, record_event
from kaizen.journal.tracking import TrackedRecord
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

# How each record is locked, saved and journaled (kaizen/journal/tracking.py): an update locks
# and re-reads the row, refuses a stale `expected_version`, and writes only what changed. A
# calendar's periods and closures are lists beside its row, journaled as changes of their own.
CALENDARS = TrackedRecord(
    model=BusinessCalendar,
    tracked_fields=CALENDAR_FIELDS,
    label_field="name",
    noun="calendar",
)
DEFINITIONS = TrackedRecord(
    model=SLADefinition,
    tracked_fields=DEFINITION_FIELDS,
    related_fields=("calendar", "service", "offering"),
    label_field="name",
    noun="SLA definition",
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
    apply_changes(calendar, fields, CALENDAR_FIELDS)
    calendar.full_clean()
    check_holiday_region(calendar.holiday_country, calendar.holiday_subdivision)
    calendar.save()
    _set_periods(calendar, periods)
    _set_closures(calendar, sorted(closures))
    CALENDARS.record_created(
        EventType.CALENDAR_CREATED,
        calendar,
        actor=actor,
        changes={
            "periods": {"old": [], "new": _periods_value(periods)},
            "closures": {"old": [], "new": closures_value(sorted(closures))},
        },
    )
    return calendar


def closures_value(closures: Sequence[tuple[dt.date, str]]) -> list[str]:
    return [f"{day} {name}" for day, name in closures]


def stored_periods(calendar: BusinessCalendar) -> list[str]:
    """The calendar's periods as the journal writes them (in the order it gave them)."""
    return _periods_value([(p.weekday, p.start_time, p.end_time) for p in calendar.periods.all()])


def stored_closures(calendar: BusinessCalendar) -> list[str]:
    return closures_value([(c.date, c.name) for c in calendar.closures.all()])


def calendar_lists(
    listed: Callable[[BusinessCalendar], list[str]],
) -> Callable[[list[int]], dict[int, list[str]]]:
    """The stored periods or closures of a batch of calendars, by id (`kaizen journal verify`)."""

    def stored(pks: list[int]) -> dict[int, list[str]]:
        calendars = BusinessCalendar.objects.filter(pk__in=pks).prefetch_related(
            "periods", "closures"
        )
        return {calendar.pk: listed(calendar) for calendar in calendars}

    return stored


@transaction.atomic
def do_update_calendar(
    calendar: BusinessCalendar,
    *,
    actor: Any,
    remeasure_since: dt.datetime | None = None,
    remeasure: bool = False,
    periods: Sequence[tuple[int, dt.time, dt.time]] | None = None,
    closures: Sequence[tuple[dt.date, str]] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> BusinessCalendar:
    """Raises VersionConflict when the calendar is no longer at `expected_version`.
    `periods` and `closures` replace the lists (None leaves them)."""
    locked = CALENDARS.lock(calendar, expected_version)
    before = CALENDARS.snapshot(locked)
    apply_changes(locked, fields, CALENDAR_FIELDS)
    locked.full_clean()
    check_holiday_region(locked.holiday_country, locked.holiday_subdivision)
    listed: dict[str, dict[str, Any]] = {}
    if periods is not None:
        old = stored_periods(locked)
        if old != _periods_value(periods):
            _set_periods(locked, periods)
            listed["periods"] = {"old": old, "new": _periods_value(periods)}
    if closures is not None:
        old = stored_closures(locked)
        new = closures_value(sorted(closures))
        if old != new:
            _set_closures(locked, sorted(closures))
            listed["closures"] = {"old": old, "new": new}
    if not (listed or CALENDARS.changes_between(before, CALENDARS.snapshot(locked))):
        return calendar
    # The save bumps updated_at, which invalidates the cached calendar index.
    CALENDARS.finish(
        locked,
        calendar,
        before,
        EventType.CALENDAR_UPDATED,
        actor=actor,
        changes=listed,
        data={"remeasure_since": remeasure_since} if remeasure else None,
    )
    _remeasure(actor, remeasure_since if remeasure else timezone.now(), f"{calendar} changed")
    return calendar


def _remeasure(actor: Any, since: dt.datetime | None, reason: str) -> None:
    transaction.on_commit(lambda: do_recompute_clocks(actor=actor, since=since, reason=reason))


@transaction.atomic
def do_create_sla_definition(*, actor: Any, **fields: Any) -> SLADefinition:
    definition = SLADefinition()
    apply_changes(definition, fields, DEFINITION_FIELDS)
    definition.full_clean()
    check_definition(definition)
    definition.save()
    DEFINITIONS.record_created(EventType.SLA_DEFINITION_CREATED, definition, actor=actor)
    return definition


@transaction.atomic
def do_update_sla_definition(
    definition: SLADefinition,
    *,
    actor: Any,
    remeasure_since: dt.datetime | None = None,
    remeasure: bool = False,
    expected_version: int | None = None,
    **fields: Any,
) -> SLADefinition:
    """Change a definition. Open tickets are re-measured after commit; with `remeasure`, also
    the history since `remeasure_since` (all of it when that is None). Raises
    VersionConflict when the definition is no longer at `expected_version`."""
    locked = DEFINITIONS.lock(definition, expected_version)
    before = DEFINITIONS.snapshot(locked)
    if not apply_changes(locked, fields, DEFINITION_FIELDS):
        return definition
    locked.full_clean()
    check_definition(locked)
    DEFINITIONS.finish(
        locked,
        definition,
        before,
        EventType.SLA_DEFINITION_UPDATED,
        actor=actor,
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
