"""Badges for change states, types and risk."""

from django import template

register = template.Library()

STATE_BADGES = {
    "draft": "text-bg-light border",
    "assess": "text-bg-info",
    "authorise": "text-bg-warning",
    "scheduled": "text-bg-primary",
    "implement": "text-bg-primary",
    "review": "text-bg-info",
    "closed": "text-bg-secondary",
    "cancelled": "text-bg-light border",
    "rejected": "text-bg-danger",
}
RISK_BADGES = {
    1: "text-bg-success",
    2: "text-bg-info",
    3: "text-bg-warning",
    4: "text-bg-danger",
}
TYPE_ICONS = {
    "standard": "bi-check2-square",
    "normal": "bi-arrow-left-right",
    "emergency": "bi-lightning-charge",
}
CLOSURE_BADGES = {
    "successful": "text-bg-success",
    "successful_with_issues": "text-bg-warning",
    "failed": "text-bg-danger",
    "backed_out": "text-bg-danger",
}


@register.filter
def change_state_badge(state: str) -> str:
    return STATE_BADGES.get(str(state), "text-bg-light")


@register.filter
def risk_badge(risk: int) -> str:
    return RISK_BADGES.get(risk, "text-bg-light")


@register.filter
def change_type_icon(change_type: str) -> str:
    return TYPE_ICONS.get(str(change_type), "bi-arrow-left-right")


@register.filter
def closure_badge(code: str) -> str:
    return CLOSURE_BADGES.get(str(code), "text-bg-light")
