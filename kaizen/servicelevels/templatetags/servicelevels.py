"""Agreements in words: status and kind badges, the party an agreement is made with."""

from django import template

from kaizen.servicelevels.targets import hours_text

register = template.Library()

STATUS_BADGES = {
    "draft": "text-bg-light border",
    "active": "text-bg-success",
    "retired": "text-bg-secondary",
}
KIND_BADGES = {"sla": "text-bg-primary", "ola": "text-bg-info", "uc": "text-bg-warning"}
KIND_SHORT = {"sla": "SLA", "ola": "OLA", "uc": "Contract"}


@register.filter
def agreement_status_badge(status: str) -> str:
    return STATUS_BADGES.get(str(status), "text-bg-light")


@register.filter
def agreement_kind_badge(kind: str) -> str:
    return KIND_BADGES.get(str(kind), "text-bg-light")


@register.filter
def agreement_kind_short(kind: str) -> str:
    return KIND_SHORT.get(str(kind), str(kind))


@register.filter
def business_minutes(minutes: int | None) -> str:
    """ "8 business hours", "45 business minutes"."""
    return "—" if minutes is None else hours_text(int(minutes))
