"""Writes to calendars and SLA definitions, each journaled; a change can re-measure history."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.incidents.models import OnHoldReason
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    SLADefinition,
    TargetKind,
    WorkingPeriod,
)

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
ON_HOLD_REASONS = tuple(OnHoldReason.values)
ESCALATION_ACTIONS = (
    "notify_assignee",
    "notify_group",
    "notify_manager",
    "reassign",
    "raise_priority",
)


def check_holiday_region(country: str, subdivision: str) -> None:
    """The library raises NotImplementedError for an unknown country and for an unknown region
    of a known one alike, so the country is tried alone first to name the right field."""
    import holidays

    if not country:
        if subdivision:
            raise ValidationError({"holiday_subdivision": "give the country as well"})
        return
    try:
        holidays.country_holidays(country)
    except NotImplementedError as exc:
        raise ValidationError(
            {"holiday_country": f"no public holidays known for {country!r}"}
        ) from exc
    if not subdivision:
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, ValueError) as exc:
        raise ValidationError(
            {"holiday_subdivision": f"{subdivision!r} is not a known region of {country}"}
        ) from exc


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


def check_definition(definition: SLADefinition) -> None:
    """Rules a model field cannot say; errors name the field."""
    if definition.kind not in TargetKind.values:
        raise ValidationError({"kind": "response or resolution"})
    if not isinstance(definition.priorities, list) or not all(
        isinstance(p, int) and 1 <= p <= 5 for p in definition.priorities
    ):
        raise ValidationError({"priorities": "a list of priorities from 1 to 5, e.g. [1, 2]"})
    if not isinstance(definition.conditions, dict) or not all(
        isinstance(values, list) for values in definition.conditions.values()
    ):
        raise ValidationError(
            {"conditions": 'an object of field: [values], e.g. {"channel": ["phone"]}'}
        )
    unknown = set(definition.pause_reasons or []) - set(ON_HOLD_REASONS)
    if not isinstance(definition.pause_reasons, list) or unknown:
        raise ValidationError(
            {"pause_reasons": f"on-hold reasons from {', '.join(ON_HOLD_REASONS)}"}
        )
    thresholds = definition.warning_thresholds
    if not isinstance(thresholds, list) or not all(
        isinstance(p, int) and 0 < p < 100 for p in thresholds
    ):
        raise ValidationError(
            {"warning_thresholds": "percentages between 1 and 99, e.g. [50, 75, 90]"}
        )
    if not isinstance(definition.escalations, list):
        raise ValidationError({"escalations": "a list of steps"})
    for step in definition.escalations:
        if not isinstance(step, dict) or step.get("action") not in ESCALATION_ACTIONS:
            raise ValidationError(
                {"escalations": f"each step needs an action from {', '.join(ESCALATION_ACTIONS)}"}
            )
        if step.get("at") not in [*thresholds, 100]:
            raise ValidationError(
                {"escalations": "each step's 'at' must be a warning threshold or 100 (breach)"}
            )
        if step["action"] == "reassign" and not step.get("team"):
            raise ValidationError({"escalations": "a reassign step names the team's slug"})
    if (
        definition.offering_id
        and definition.service_id
        and definition.offering.service_id != definition.service_id
    ):
        raise ValidationError({"offering": "the offering belongs to another service"})
    if definition.target_minutes is not None and definition.target_minutes <= 0:
        raise ValidationError({"target_minutes": "must be more than zero"})


def _remeasure(actor: Any, since: dt.datetime | None, reason: str) -> None:
    from kaizen.sla.services import do_recompute_clocks

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
