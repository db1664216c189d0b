"""The availability panel on the catalogue's service page and the column of its service list
(kaizen.core.ticket_panels, kaizen.core.list_columns: the catalogue does not know this app).
Each costs a fixed number of queries: the targets, the month's outages, the ongoing ones."""

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from kaizen.availability.models import Outage, OutageStatus
from kaizen.availability.permissions import can_view_availability
from kaizen.availability.selectors import month_start, service_availability, services_availability
from kaizen.catalog.models import Service
from kaizen.core.list_columns import ListColumn
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


NO_TARGET = mark_safe('<span class="text-secondary" title="No availability target">—</span>')


def month_cells(request: HttpRequest, services: list[Service]) -> dict[int, str] | None:
    """Each listed service's availability from the 1st of this month until now, against its
    target (services without a target show none): a fixed number of queries for the page."""
    if not can_view_availability(request.user):
        return None
    now = timezone.now()
    figures = services_availability(services, month_start(now), now, now=now)
    return {
        service.pk: render_to_string(
            "availability/_figure_cell.html", {"figure": figures[service.pk].whole}
        )
        if figures[service.pk].has_target
        else NO_TARGET
        for service in services
    }


MONTH_COLUMN = ListColumn(
    name="availability.month", header="Availability this month", cells=month_cells
)
