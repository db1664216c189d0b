import datetime as dt
from collections.abc import Iterable

from django import template

from kaizen.sla.kinds import get_kind, on_hold_reason_choices
from kaizen.sla.models import BusinessCalendar, SLADefinition, WorkingPeriod

register = template.Library()

STATE_BADGES = {
    "running": "text-bg-primary",
    "paused": "text-bg-secondary",
    "met": "text-bg-success",
    "breached": "text-bg-danger",
    "cancelled": "text-bg-light border",
}


@register.filter
def duration_us(microseconds: int | None) -> str:
    """A business duration in words: '1 d 2 h 5 min' counts 24-hour days of business time."""
    if microseconds is None:
        return "—"
    sign = "-" if microseconds < 0 else ""
    minutes = abs(int(microseconds)) // 60_000_000
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes or not (days or hours) else "",
    ]
    return sign + " ".join(part for part in parts if part)


@register.filter
def span(interval: object) -> str:
    start, end = interval.start, interval.end  # type: ignore[attr-defined]
    return duration_us((end - start) // dt.timedelta(microseconds=1))


@register.filter
def on_hold_label(reason: str) -> str:
    """An on-hold reason as people read it (any registered kind's), lower case."""
    return dict(on_hold_reason_choices()).get(reason, reason).lower()


@register.filter
def clock_badge(state: str) -> str:
    return STATE_BADGES.get(state, "text-bg-light")


@register.filter
def percent_of(clock: object) -> int:
    target = clock.target.target_us  # type: ignore[attr-defined]
    return min(100, round(100 * clock.elapsed_us / target)) if target else 0  # type: ignore[attr-defined]


# -- calendars and SLA definitions in words (configuration pages and API) --------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_MINUTES = 24 * 60
ACTION_WORDS = {
    "notify_assignee": "notify the assignee",
    "notify_group": "notify the group",
    "notify_manager": "notify the group's manager",
    "reassign": "reassign to {team}",
    "raise_priority": "raise the priority",
}


def clock_time(minute: int) -> str:
    """Minutes after local midnight as HH:MM; the end of the day is 24:00."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _day_spans(periods: Iterable[WorkingPeriod]) -> dict[int, list[tuple[int, int]]]:
    days: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
    for period in periods:
        days[period.weekday].append((period.start_minute, period.end_minute))
    return {day: sorted(spans) for day, spans in days.items()}


def _spans_text(spans: list[tuple[int, int]]) -> str:
    if spans == [(0, DAY_MINUTES)]:
        return "all day"
    return ", ".join(f"{clock_time(start)}–{clock_time(end)}" for start, end in spans)


@register.filter
def week_summary(calendar: BusinessCalendar) -> str:
    """'Mon–Fri 08:00–18:00 (50 h a week)': runs of weekdays with the same hours."""
    days = _day_spans(calendar.periods.all())
    runs: list[tuple[int, int, list[tuple[int, int]]]] = []
    for day in range(7):
        if runs and runs[-1][2] == days[day] and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, days[day])
        else:
            runs.append((day, day, days[day]))
    parts = []
    for first, last, spans in runs:
        if not spans:
            continue
        if (first, last) == (0, 6):
            label = "Every day"
        elif first == last:
            label = WEEKDAYS[first][:3]
        else:
            label = f"{WEEKDAYS[first][:3]}–{WEEKDAYS[last][:3]}"
        parts.append(f"{label} {_spans_text(spans)}")
    total = sum(end - start for spans in days.values() for start, end in spans)
    if not parts:
        return "No working hours"
    return f"{'; '.join(parts)} ({minutes_text(total)} a week)"


def week_rows(calendar: BusinessCalendar) -> list[dict[str, object]]:
    """One row per weekday for the week grid: the periods and their place on a 24 h bar."""
    days = _day_spans(calendar.periods.all())
    return [
        {
            "name": WEEKDAYS[day],
            "spans": [(clock_time(start), clock_time(end)) for start, end in days[day]],
            "bars": [
                {
                    "left": round(100 * start / DAY_MINUTES, 3),
                    "width": round(100 * (end - start) / DAY_MINUTES, 3),
                    "label": f"{clock_time(start)}–{clock_time(end)}",
                }
                for start, end in days[day]
            ],
            "minutes": sum(end - start for start, end in days[day]),
        }
        for day in range(7)
    ]


@register.filter
def holiday_region(calendar: BusinessCalendar) -> str:
    country = calendar.holiday_country
    subdivision = calendar.holiday_subdivision
    if not country:
        return "—"
    return f"{country} / {subdivision}" if subdivision else country


@register.filter
def minutes_text(minutes: int | None) -> str:
    """A target in hours and minutes: '15 min', '8 h', '1 h 30 min'."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def target_words(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not rest:
        return _plural(hours, "business hour")
    if not hours:
        return _plural(rest, "business minute")
    return f"{hours} h {rest} min of business time"


@register.filter
def priority_ranges(priorities: list[int] | None) -> str:
    """[1, 2, 4] -> '1-2, 4'."""
    values = sorted({int(p) for p in priorities or []})
    ranges: list[list[int]] = []
    for value in values:
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ", ".join(f"{low}-{high}" if low != high else str(low) for low, high in ranges)


def _or_list(values: list[object]) -> str:
    words = [str(value) for value in values]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


@register.filter
def reason_label(reason: str) -> str:
    """'awaiting_caller' -> 'awaiting caller'."""
    return str(reason).replace("_", " ")


@register.filter
def conditions_summary(definition: SLADefinition) -> str:
    """A short line for the list: 'P1-2 · Email · Mailbox access · channel: phone, email'."""
    parts = []
    if definition.priorities:
        parts.append(f"P{priority_ranges(definition.priorities)}")
    if definition.service_id:
        parts.append(definition.service.name)
    if definition.offering_id:
        parts.append(definition.offering.name)
    for field, values in (definition.conditions or {}).items():
        parts.append(f"{field}: {', '.join(str(value) for value in values)}")
    return " · ".join(parts) or f"All {get_kind(definition.ticket_kind).plural_label}"


def escalation_words(step: dict[str, object], team_names: dict[str, str] | None = None) -> str:
    at = step.get("at")
    when = "at breach (100 %)" if at == 100 else f"at {at} %"
    team = str(step.get("team") or "")
    action = ACTION_WORDS.get(str(step.get("action")), str(step.get("action")))
    return f"{when} {action.format(team=(team_names or {}).get(team, team))}"


def describe_definition(definition: SLADefinition, team_names: dict[str, str] | None = None) -> str:
    """Every setting of a definition in one sentence, e.g. "Resolution within 8 business hours
    on 'UK office hours' for priority 1-2 incidents of Email; paused while awaiting caller,
    awaiting vendor; warnings at 50/75/90 %; at 90 % notify the group"."""
    scope = "for "
    scope += (
        f"priority {priority_ranges(definition.priorities)} " if definition.priorities else "all "
    )
    scope += get_kind(definition.ticket_kind).plural_label
    if definition.service_id:
        scope += f" of {definition.service.name}"
        if definition.offering_id:
            scope += f" ({definition.offering.name})"
    elif definition.offering_id:
        scope += f" of the offering {definition.offering.name}"
    conditions = [
        f"{field} is {_or_list(values)}"
        for field, values in (definition.conditions or {}).items()
        if values
    ]
    if conditions:
        scope += " where " + " and ".join(conditions)
    parts = [
        f"{definition.get_kind_display()} within {target_words(definition.target_minutes)} "
        f"on '{definition.calendar.name}' {scope}"
    ]
    reasons = definition.pause_reasons or []
    if reasons:
        parts.append("paused while " + ", ".join(reason_label(r) for r in reasons))
    else:
        parts.append("never paused (time on hold counts)")
    thresholds = definition.warning_thresholds or []
    if thresholds:
        parts.append(f"warnings at {'/'.join(str(p) for p in thresholds)} %")
    else:
        parts.append("no warnings")
    steps = sorted(definition.escalations or [], key=lambda step: step.get("at", 0))
    if steps:
        parts.append(", ".join(escalation_words(step, team_names) for step in steps))
    return "; ".join(parts)
