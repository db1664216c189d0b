"""Showing KPI figures: a value in its unit, a status as a coloured badge, a period's name."""

import datetime as dt

from django import template

from kaizen.kpis import series
from kaizen.kpis.selectors import kpi_status
from kaizen.kpis.spec import KPIDefinition, dimension_label

register = template.Library()

UNIT_SUFFIX = {"percent": " %", "hours": " h", "count": "", "number": "", "score": ""}
STATUS_BADGE = {
    "green": ("text-bg-success", "On target"),
    "amber": ("text-bg-warning", "Warning"),
    "red": ("text-bg-danger", "Off target"),
    "none": ("text-bg-light border", "No status"),
    "so_far": ("text-bg-light border text-secondary", "Not judged yet"),
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
def kpi_status_of(value: float | None, definition: KPIDefinition) -> str:
    """A finished period's value judged against the KPI's target (green, amber, red, none)."""
    return str(kpi_status(definition, value))


@register.filter
def period_label(start: dt.date | str | None, kind: str) -> str:
    """How people name a period: "Mar 2026", "Week of 2 Mar 2026", "Q1 2026", "2026"."""
    return series.period_label(start, kind)


@register.filter(name="dimension_label")
def dimension_label_filter(name: str | None) -> str:
    """A breakdown dimension as people read it: "ci" -> "Configuration item",
    "category,subcategory" -> "Category and subcategory"."""
    return dimension_label(str(name or ""))
