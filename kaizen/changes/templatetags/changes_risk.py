"""Figures of the risk part in words."""

from django import template

from kaizen.changes.services.evidence import percent as as_percent

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.183 -> '18 %'."""
    return "—" if value is None else as_percent(value)
