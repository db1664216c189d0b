"""Showing KPI figures: a value in its unit, a status as a coloured badge, a period's name."""

import datetime as dt

from django import template

from kaizen.kpis.models import ALL_TIME_START
from kaizen.kpis.spec import dimension_label

register = template.Library()

UNIT_SUFFIX = {"percent": " %", "hours": " h", "count": "", "number": "", "score": ""}
STATUS_BADGE = {
    "green": ("text-bg-success", "On target"),
    "amber": ("text-bg-warning", "Warning"),
    "red": ("text-bg-danger", "Off target"),
    "none": ("text-bg-light border", "No status"),
}


@register.filter
def kpi_value(value: float | None, unit: str = "") -> str:
    """12.345 percent -> "12.3 %"; whole counts without decimals; None -> an em dash."""
    if value is None or value == "":  # "" is what a template makes of a missing attribute
        return "—"
    unit = str(unit)
    if unit == "count" or float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + UNIT_SUFFIX.get(unit, "")


@register.filter
def status_class(status: str) -> str:
    return STATUS_BADGE.get(str(status), STATUS_BADGE["none"])[0]


@register.filter
def status_label(status: str) -> str:
    return STATUS_BADGE.get(str(status), STATUS_BADGE["none"])[1]


@register.filter
def period_label(start: dt.date | str | None, kind: str) -> str:
    """How people name a period: "Mar 2026", "week of 2 Mar 2026", "Q1 2026", "2026"."""
    if start is None:
        return ""
    if isinstance(start, str):
        if start == "all":
            return "All time"
        start = dt.date.fromisoformat(start[:10])
    if kind == "all":
        return "All time" if start == ALL_TIME_START else f"Since {start:%-d %b %Y}"
    if kind == "month":
        return f"{start:%b %Y}"
    if kind == "week":
        return f"Week of {start:%-d %b %Y}"
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if kind == "year":
        return str(start.year)
    return f"{start:%-d %b %Y}"


@register.filter(name="dimension_label")
def dimension_label_filter(name: str | None) -> str:
    """A breakdown dimension as people read it: "ci" -> "Configuration item",
    "category,subcategory" -> "Category and subcategory"."""
    return dimension_label(str(name or ""))
