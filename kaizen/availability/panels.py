"""The availability panel on the catalogue's service page (kaizen.core.ticket_panels: the
catalogue does not know this app). A fixed number of queries: the targets, the month's
outages, the ongoing ones."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kaizen.availability.models import Outage, OutageStatus
from kaizen.availability.permissions import can_view_availability
from kaizen.availability.selectors import month_start, service_availability
from kaizen.catalog.models import Service
from kaizen.core.ticket_panels import TicketPanel


def service_panel(request: HttpRequest, service: Service) -> dict[str, Any] | None:
    if service is None or not can_view_availability(request.user):
        return None
    now = timezone.now()
    figures = service_availability(service, month_start(now), now, now=now)
    ongoing = list(
        Outage.objects.filter(service=service, ended_at__isnull=True).exclude(
            status=OutageStatus.DISMISSED
        )
    )
    return {"service": service, "figure": figures.whole, "ongoing": ongoing}


SERVICE_PANEL = TicketPanel(
    name="availability.service",
    template="availability/_service_panel.html",
    context=service_panel,
    places=("detail",),
)
