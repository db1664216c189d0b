"""Panels another app adds to a ticket's pages, without the ticket's app knowing it.

A process shows what other processes know of its ticket (the problems an incident is linked
to, the known errors that match it) without importing them (.importlinter: processes are
independent): the other app registers a panel for the ticket's key from its AppConfig.ready(),
and the ticket's views render whatever is registered for a place on the page:

- "detail": the agents' ticket page, beside the ticket (`ticket` is the record);
- "form": under the create and edit form (`ticket` is the record, or None for a new one);
- "report": the requesters' portal page where they report one (`ticket` is None).

A panel's `context(request, ticket)` returns its template's context, or None to show nothing
(the reader may not see it, or there is nothing to say). It must cost a fixed number of
queries: the ticket pages' query counts are tested.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

PLACES = ("detail", "form", "report")


@dataclass(frozen=True)
class TicketPanel:
    name: str  # unique per ticket key, e.g. "problems.known_errors"
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    places: tuple[str, ...] = ("detail",)
    order: int = 100


_PANELS: dict[str, dict[str, TicketPanel]] = {}


def register_ticket_panel(ticket_key: str, panel: TicketPanel) -> None:
    unknown = set(panel.places) - set(PLACES)
    if unknown:
        raise ValueError(f"unknown panel places: {', '.join(sorted(unknown))}")
    _PANELS.setdefault(ticket_key, {})[panel.name] = panel


class _Panel:
    """One panel, rendered when the page prints it (so after the page's own template began,
    and not at all when the page leaves it out)."""

    def __init__(self, panel: TicketPanel, place: str, request: HttpRequest, ticket: Any):
        self.panel, self.place, self.request, self.ticket = panel, place, request, ticket

    def __html__(self) -> SafeString:
        context = self.panel.context(self.request, self.ticket)
        if context is None:
            return SafeString("")
        # Rendered by the template engine, so escaped and safe as any page.
        return render_to_string(self.panel.template, {**context, "place": self.place}, self.request)

    def __str__(self) -> str:
        return self.__html__()


def rendered_panels(
    ticket_key: str, place: str, request: HttpRequest, ticket: Any = None
) -> list[_Panel]:
    """The panels registered for the ticket's key and place, in their order: print each in the
    page's template (`{% for panel in panels %}{{ panel }}{% endfor %}`)."""
    panels = sorted(_PANELS.get(ticket_key, {}).values(), key=lambda panel: panel.order)
    return [_Panel(panel, place, request, ticket) for panel in panels if place in panel.places]
