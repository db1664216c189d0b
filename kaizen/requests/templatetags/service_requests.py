"""Badges of a request's state and its tasks' and approval steps' states."""

from django import template

register = template.Library()

TONES = {
    "submitted": "text-bg-info",
    "awaiting_approval": "text-bg-warning",
    "approved": "text-bg-primary",
    "in_fulfilment": "text-bg-primary",
    "on_hold": "text-bg-secondary",
    "fulfilled": "text-bg-success",
    "failed": "text-bg-danger",
    "rejected": "text-bg-danger",
    "closed": "text-bg-light border",
    "cancelled": "text-bg-light border",
    # steps and tasks
    "waiting": "text-bg-light border",
    "pending": "text-bg-warning",
    "open": "text-bg-info",
    "in_progress": "text-bg-primary",
    "done": "text-bg-success",
    "skipped": "text-bg-light border",
    "withdrawn": "text-bg-light border",
}


@register.filter
def request_badge(state: str) -> str:
    return TONES.get(str(state), "text-bg-light border")
