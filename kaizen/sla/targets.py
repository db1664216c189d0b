"""SLA definitions and calendars from the database, as the engine's Targets."""

import datetime as dt
import hashlib
import json
from functools import lru_cache
from typing import Any

import holidays as holiday_library
from django.db.models import Count, Max

from kaizen.sla.calendar import CalendarIndex
from kaizen.sla.calendar import WorkingPeriod as Period
from kaizen.sla.engine import StateRules, Target
from kaizen.sla.kinds import DEFAULT_KIND, registered_kinds
from kaizen.sla.models import BusinessCalendar, CalendarClosure, SLADefinition, WorkingPeriod


class _ClosedDates:
    """Public holidays (from `holidays`, per year on demand) plus the organisation's dates."""

    def __init__(self, country: str, subdivision: str, own: frozenset[dt.date]) -> None:
        self.own = own
        self.public = (
            holiday_library.country_holidays(country, subdiv=subdivision or None)
            if country
            else None
        )

    def __call__(self, day: dt.date) -> bool:
        return day in self.own or (self.public is not None and day in self.public)


@lru_cache(maxsize=64)
def _index(
    calendar_id: int,
    version: dt.datetime,
    time_zone: str,
    country: str,
    subdivision: str,
    periods: tuple[tuple[int, int, int], ...],
    closures: frozenset[dt.date],
) -> CalendarIndex:
    # `calendar_id` and `version` (updated_at) make the cache key; a calendar change bumps it.
    return CalendarIndex(
        time_zone,
        [Period(*period) for period in periods],
        _ClosedDates(country, subdivision, closures),
    )


def calendar_index(calendar: BusinessCalendar) -> CalendarIndex:
    """The prepared index of a calendar whose periods and closures are prefetched."""
    return _index(
        calendar.pk,
        calendar.updated_at,
        calendar.time_zone,
        calendar.holiday_country,
        calendar.holiday_subdivision,
        tuple((p.weekday, p.start_minute, p.end_minute) for p in calendar.periods.all()),
        frozenset(c.date for c in calendar.closures.all()),
    )


def target_for(definition: SLADefinition) -> Target:
    conditions: dict[str, frozenset] = {
        name: frozenset(values) for name, values in (definition.conditions or {}).items()
    }
    if definition.service_id:
        conditions["service"] = frozenset({definition.service_id})
    if definition.offering_id:
        conditions["offering"] = frozenset({definition.offering_id})
    if definition.priorities:
        conditions["priority"] = frozenset(int(p) for p in definition.priorities)
    return Target(
        id=definition.pk,
        kind=definition.kind,
        order=definition.order,
        target_us=definition.target_minutes * 60_000_000,
        calendar=calendar_index(definition.calendar),
        pause_reasons=frozenset(definition.pause_reasons or ()),
        conditions=conditions,
        thresholds=tuple(sorted(int(p) for p in definition.warning_thresholds or ())),
        name=definition.name,
    )


_cache: dict[str, object] = {}


def _configuration_version() -> tuple:
    """Changes whenever a definition or calendar is added, removed or saved (the calendar
    services save the calendar when its periods or closures change)."""
    summary = {"latest": Max("updated_at"), "count": Count("id"), "last": Max("id")}
    definitions = SLADefinition.objects.aggregate(**summary)
    calendars = BusinessCalendar.objects.aggregate(**summary)
    return tuple(definitions.values()) + tuple(calendars.values())


def _targets_by_kind() -> dict[str, list[Target]]:
    """Every active definition as a Target, by ticket kind, rebuilt only when the
    configuration changed: every write to a ticket asks for them."""
    version = _configuration_version()
    if _cache.get("version") != version:
        definitions = (
            SLADefinition.objects.filter(is_active=True)
            .select_related("calendar")
            .prefetch_related("calendar__periods", "calendar__closures")
        )
        by_kind: dict[str, list[Target]] = {}
        for definition in definitions:
            by_kind.setdefault(definition.ticket_kind, []).append(target_for(definition))
        _cache["targets"] = by_kind
        _cache["version"] = version
    return _cache["targets"]  # type: ignore[return-value]


def active_targets(ticket_kind: str = DEFAULT_KIND) -> list[Target]:
    """The active definitions of one ticket kind as Targets: a definition applies only to
    tickets of its kind."""
    return list(_targets_by_kind().get(ticket_kind, ()))


def active_targets_by_id() -> dict[int, Target]:
    """Every kind's active definitions as Targets, by definition id (the scan)."""
    return {target.id: target for targets in _targets_by_kind().values() for target in targets}


# Bump when the engine's rules change what a clock computes from the same history and
# configuration (kaizen/sla/engine.py): the next recompute then re-measures every ticket
# instead of leaving settled ones as they are.
CLOCK_RULES_VERSION = "1"


def rules_content(rules: StateRules) -> dict[str, Any]:
    """A kind's state rules as plain values, sets sorted: a set's order follows string hashing,
    which differs from one process to the next, and the fingerprint is compared across runs."""
    return {
        name: sorted(value) if isinstance(value, frozenset) else value
        for name, value in rules._asdict().items()
    }


def configuration_fingerprint() -> str:
    """A digest of everything besides a ticket's own history that its clocks are computed
    from: every definition's and calendar's measuring fields (working periods, closures), the
    public holidays library's version, the engine's rules version and each registered ticket
    kind's state rules. Two recomputes with the same fingerprint compute the same clocks from
    the same journal."""
    definition_fields = [
        field.attname
        for field in SLADefinition._meta.concrete_fields
        if field.name not in ("name", "updated_at")
    ]
    calendar_fields = ["id", "time_zone", "holiday_country", "holiday_subdivision"]
    content = {
        "rules_version": CLOCK_RULES_VERSION,
        "holidays": holiday_library.__version__,
        "kinds": {kind.key: rules_content(kind.rules) for kind in registered_kinds()},
        "definitions": list(SLADefinition.objects.order_by("pk").values_list(*definition_fields)),
        "calendars": list(BusinessCalendar.objects.order_by("pk").values_list(*calendar_fields)),
        "periods": list(
            WorkingPeriod.objects.order_by(
                "calendar_id", "weekday", "start_time", "pk"
            ).values_list("calendar_id", "weekday", "start_time", "end_time")
        ),
        "closures": list(
            CalendarClosure.objects.order_by("calendar_id", "date").values_list(
                "calendar_id", "date"
            )
        ),
    }
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
