"""Survey results on the incident page, registered with kaizen.core.ticket_panels (the
incident app does not know this app): the ticket's invitations, their answers and follow-ups,
for the agents who may see them (a fixed number of queries)."""

from typing import Any

from django.http import HttpRequest

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.core.ticket_panels import TicketPanel, register_ticket_panel
from kaizen.surveys.permissions import can_see_results
from kaizen.surveys.selectors import invitations_for

INCIDENT = "incident"


def incident_context(request: HttpRequest, incident: Any) -> dict[str, Any] | None:
    source = ticket_source(INCIDENT)
    if source is None or incident is None or not can_see_results(request.user):
        return None
    invitations = list(
        invitations_for(request.user)
        .filter(source_key=INCIDENT, ticket_id=incident.pk)
        .select_related("follow_up")
        .order_by("-triggered_at")
    )
    if not invitations:
        return None
    return {"invitations": invitations}


def register() -> None:
    register_ticket_panel(
        INCIDENT,
        TicketPanel(
            name="surveys.results",
            template="surveys/_incident_panel.html",
            context=incident_context,
            order=60,
        ),
    )
