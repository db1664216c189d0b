"""Permission-aware reads: a user only ever gets the calendars and definitions they may see."""

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Case, Count, F, QuerySet, Value, When
from django.utils import timezone

from kaizen.people.models import User
from kaizen.sla.models import BusinessCalendar, SLADefinition, TargetKind
from kaizen.sla.permissions import can_view_service_levels


def calendars_for(user: User) -> QuerySet[BusinessCalendar]:
    """Agents see every calendar, with its periods and closures ready for the arithmetic."""
    if not can_view_service_levels(user):
        return BusinessCalendar.objects.none()
    return BusinessCalendar.objects.prefetch_related("periods", "closures")


def calendar_list_for(user: User) -> QuerySet[BusinessCalendar]:
    """With `definition_count`: how many SLA definitions measure on the calendar."""
    return calendars_for(user).annotate(definition_count=Count("definitions"))


def definitions_for(user: User) -> QuerySet[SLADefinition]:
    if not can_view_service_levels(user):
        return SLADefinition.objects.none()
    return SLADefinition.objects.select_related("calendar", "service", "offering")


def definition_list_for(user: User) -> QuerySet[SLADefinition]:
    """With `precedence`: response before resolution, then by `order` — the order in which
    the engine tries them."""
    kind_rank = Case(When(kind=TargetKind.RESPONSE, then=Value(0)), default=Value(1))
    return definitions_for(user).annotate(precedence=kind_rank * Value(1_000_000_000) + F("order"))


def upcoming_holidays(
    calendar: BusinessCalendar, count: int = 10, today: dt.date | None = None
) -> list[tuple[dt.date, str]]:
    """The next public holidays of the calendar's country and region, from its local today."""
    if not calendar.holiday_country:
        return []
    today = today or timezone.now().astimezone(ZoneInfo(calendar.time_zone)).date()
    try:
        days = holidays.country_holidays(
            calendar.holiday_country,
            subdiv=calendar.holiday_subdivision or None,
            years=range(today.year, today.year + 3),
        )
    except NotImplementedError:
        return []
    return [(day, name) for day, name in sorted(days.items()) if day >= today][:count]
