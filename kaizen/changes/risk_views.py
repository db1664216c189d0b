"""Risk: the questionnaire, the risk rules and the evidence from past changes (pages)."""

from typing import Any

from django.http import HttpRequest

from kaizen.changes.models import Change


def risk_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_risk_panel.html on the change page."""
    return {}
