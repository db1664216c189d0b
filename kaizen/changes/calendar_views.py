"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed
(pages)."""

from typing import Any

from django.http import HttpRequest

from kaizen.changes.models import Change


def schedule_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_schedule_panel.html on the change page."""
    return {}
