"""Badges for problem states, closure codes and priorities."""

from django import template

register = template.Library()

STATE_BADGES = {
    "new": "text-bg-light border",
    "assessed": "text-bg-info",
    "root_cause_analysis": "text-bg-warning",
    "known_error": "text-bg-primary",
    "fix_in_progress": "text-bg-primary",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
}
CLOSURE_BADGES = {
    "fixed": "text-bg-success",
    "duplicate": "text-bg-light border",
    "risk_accepted": "text-bg-warning",
    "cancelled": "text-bg-light border",
}
PRIORITY_BADGES = {
    1: "text-bg-danger",
    2: "text-bg-warning",
    3: "text-bg-info",
    4: "text-bg-light border",
}


@register.filter
def problem_state_badge(state: str) -> str:
    return STATE_BADGES.get(str(state), "text-bg-light")


@register.filter
def problem_closure_badge(code: str) -> str:
    return CLOSURE_BADGES.get(str(code), "text-bg-light")


@register.filter
def problem_priority_badge(priority: int) -> str:
    return PRIORITY_BADGES.get(priority, "text-bg-light")
