"""Fulfilment tasks and lead times on the pages: state badges, due times, business durations."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from kaizen.requests.models import HoldReason

register = template.Library()

TASK_BADGES = {
    "waiting": "text-bg-light border",
    "open": "text-bg-info",
    "in_progress": "text-bg-primary",
    "on_hold": "text-bg-warning",
    "done": "text-bg-success",
    "failed": "text-bg-danger",
    "cancelled": "text-bg-secondary",
}
SLA_TEXT = {"breached": "text-danger fw-semibold", "warning": "text-warning-emphasis"}


@register.filter
def task_badge(state: str) -> str:
    return TASK_BADGES.get(state, "text-bg-light border")


@register.filter
def ola_class(sla_state: str) -> str:
    return SLA_TEXT.get(sla_state, "")


@register.filter
def due_text(value: dt.datetime | None) -> str:
    """ "in 3 hours" or "2 days late"; "—" without a due time."""
    if value is None:
        return "—"
    if value >= timezone.now():
        return f"in {timeuntil(value, depth=1)}"
    return f"{timesince(value, depth=1)} late"


@register.filter
def business_hours(microseconds: int | None) -> str:
    """A business duration as hours and minutes ("6 h 30 min"): business days differ in
    length between calendars, so lead times are not shown in days."""
    if microseconds is None:
        return "—"
    minutes = round(microseconds / 60_000_000)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def hold_label(reason: str) -> str:
    """What a task or request on hold waits for, as people read it."""
    return dict(HoldReason.choices).get(reason, reason)
