"""The agreements panel on the catalogue's service page (kaizen.core.ticket_panels: the
catalogue does not know this app): the customers' SLAs that cover the service today, the
teams' OLAs and the suppliers it depends on through their contracts. A fixed number of
queries."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.core.ticket_panels import TicketPanel
from kaizen.servicelevels.permissions import can_view_agreements
from kaizen.servicelevels.selectors import service_agreements


def service_panel(request: HttpRequest, service: Service) -> dict[str, Any] | None:
    if service is None or not can_view_agreements(request.user):
        return None
    return {"service": service, "agreements": service_agreements(service, timezone.localdate())}


SERVICE_PANEL = TicketPanel(
    name="servicelevels.service",
    template="servicelevels/_service_panel.html",
    context=service_panel,
    places=("detail",),
    order=110,
)
