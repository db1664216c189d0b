"""Journal events on pages: `{% for event in timeline|readable %}` and `{{ change.new|shown }}`
(kaizen/journal/presenting.py)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kaizen.core.times import when_html
from kaizen.journal.models import JournalEvent
from kaizen.journal.presenting import Link, present

register = template.Library()

# What a change shows for no value: "Assignee: (none) → Ada Lovelace" (muted, never struck
# through as an old value is).
NO_VALUE = mark_safe('<span class="kz-no-value">(none)</span>')


@register.filter
def readable(events: Iterable[JournalEvent], reader: Any = None) -> list[JournalEvent]:
    """The page's events with their readable changes, related names loaded once for all:
    `{% for event in timeline|readable:request.user %}` (links only to what the reader may
    see)."""
    return present(events, reader)


@register.filter
def shown(value: Any) -> SafeString | str:
    """A presented value: a time as every page shows times, no value as "(none)"."""
    if value is None:
        return NO_VALUE
    if isinstance(value, dt.date):
        return when_html(value)
    if isinstance(value, Link):
        return format_html('<a href="{}">{}</a>', value.url, value.text)
    return str(value)
