"""Authorisation by the change advisory board: the approval inbox, votes, CAB meetings (pages)."""

from typing import Any

from django.http import HttpRequest

from kaizen.changes.models import Change


def authorisation_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_authorisation_panel.html on the change page."""
    return {}
