"""The request types panel on the catalogue's service page (kaizen.core.ticket_panels: the
catalogue does not know this app): what the reader may order from the service, one query."""

from typing import Any

from django.http import HttpRequest

from kaizen.catalog.models import Service
from kaizen.core.ticket_panels import TicketPanel
from kaizen.requests.selectors import service_types_for


def service_panel(request: HttpRequest, service: Service) -> dict[str, Any] | None:
    if service is None:
        return None
    types = service_types_for(request.user, service)
    if not types:
        return None
    return {"service": service, "request_types": types}


SERVICE_PANEL = TicketPanel(
    name="requests.service",
    template="requests/_service_panel.html",
    context=service_panel,
    places=("detail",),
    order=90,
)
