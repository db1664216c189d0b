"""Journal events on pages: `{% for event in timeline|readable %}` and `{{ change.new|shown }}`
(kaizen/journal/presenting.py)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from kaizen.core.times import when_html
from kaizen.journal.models import JournalEvent
from kaizen.journal.presenting import present

register = template.Library()

# What a change shows for no value: "Assignee: (none) → Ada Lovelace" (muted, never struck
# through as an old value is).
NO_VALUE = mark_safe('<span class="kz-no-value">(none)</span>')


@register.filter
def readable(events: Iterable[JournalEvent]) -> list[JournalEvent]:
    """The page's events with their readable changes, related names loaded once for all."""
    return present(events)


@register.filter
def shown(value: Any) -> SafeString | str:
    """A presented value: a time as every page shows times, no value as "(none)"."""
    if value is None:
        return NO_VALUE
    if isinstance(value, dt.date):
        return when_html(value)
    return str(value)
