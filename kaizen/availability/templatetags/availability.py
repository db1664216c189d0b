"""Availability figures in words: percentages, durations, status badges."""

import math
from fractions import Fraction
from typing import Any

from django import template

from kaizen.sla.templatetags.sla import duration_us

register = template.Library()

STATUS_BADGES = {
    "proposed": "text-bg-warning",
    "confirmed": "text-bg-primary",
    "dismissed": "text-bg-secondary",
}
KIND_BADGES = {
    "unplanned": "text-bg-danger",
    "planned": "text-bg-info",
    "degraded": "text-bg-warning",
}


@register.filter
def percent(value: Any) -> str:
    """99.87 %: two decimals at most, cut rather than rounded, so that a shortfall never reads
    100 % (99.996 % reads 99.99 %)."""
    if value is None:
        return "—"
    number = round(float(value), 6)
    if number >= 100:
        return "100 %"
    text = f"{math.floor(number * 100) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def downtime(value: Fraction | int | None) -> str:
    """A duration of agreed service time in words ("2 h 5 min"); less than a minute but more
    than nothing reads "under a minute"."""
    if value is None:
        return "—"
    if 0 < abs(value) < 60_000_000:
        return "under a minute"
    return duration_us(int(value))


@register.filter
def outage_status_badge(status: str) -> str:
    return STATUS_BADGES.get(str(status), "text-bg-light")


@register.filter
def outage_kind_badge(kind: str) -> str:
    return KIND_BADGES.get(str(kind), "text-bg-light")


@register.filter
def neg(value: Any) -> Any:
    return None if value is None else -value
