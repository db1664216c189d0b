"""Badges for incident states, priorities and SLA standing."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from kaizen.core.times import relative_text

register = template.Library()

STATE_BADGES = {
    "new": "text-bg-info",
    "assigned": "text-bg-primary",
    "in_progress": "text-bg-primary",
    "on_hold": "text-bg-warning",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "cancelled": "text-bg-light border",
}
PRIORITY_BADGES = {
    1: "text-bg-danger",
    2: "text-bg-warning",
    3: "text-bg-primary",
    4: "text-bg-light border",
    5: "text-bg-light border text-secondary",
}
SLA_TEXT = {
    "ok": "text-success",
    "warning": "text-warning-emphasis fw-semibold",
    "breached": "text-danger fw-semibold",
}


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(str(state), "text-bg-light")


@register.filter
def priority_badge(priority: int) -> str:
    return PRIORITY_BADGES.get(priority, "text-bg-light")


@register.filter
def sla_text(sla_state: str) -> str:
    return SLA_TEXT.get(str(sla_state), "text-secondary")


@register.filter
def ago(value: dt.datetime | None) -> str:
    """ "3 days ago", as `{{ value|when:"ago" }}` reads (the queue table formats its cells in
    Python)."""
    if value is None:
        return "—"
    return relative_text(value)


@register.filter
def due(value: dt.datetime | None) -> str:
    """ "in 3 hours" or "2 days late"."""
    if value is None:
        return "—"
    if value >= timezone.now():
        return f"in {timeuntil(value, depth=1)}"
    return f"{timesince(value, depth=1)} late"
