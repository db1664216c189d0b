"""What the problems app shows on incident pages, registered with kaizen.core.ticket_panels
(the incident app does not know this app):

- beside an incident (agents): the problems it is linked to, with the known error applied, and
  the published known errors that match it, each with why and an Apply button;
- under the incident form (agents): suggestions while typing, from the suggest API;
- on the portal's "Report an incident" page: a pointer to the self-help articles.

The incident is read through its ticket source's field names (kaizen/catalog/ticket_sources.py).
"""

from typing import Any

from django.http import HttpRequest

from kaizen.catalog.ticket_sources import TicketSource, ticket_source
from kaizen.core.ticket_panels import TicketPanel, register_ticket_panel
from kaizen.problems.known_error_selectors import problems_of_incident
from kaizen.problems.permissions import can_read_portal_articles, can_work_problems
from kaizen.problems.suggestions import IncidentText, suggest_known_errors

INCIDENT = "incident"


def _value(record: Any, path: str) -> Any:
    """A field of the record by its source's name, through relations ("category__name")."""
    value = record
    for part in path.split("__"):
        value = getattr(value, part, None) if value is not None else None
    return value


def incident_text(source: TicketSource, incident: Any) -> IncidentText:
    words = [_value(incident, source.title_field) or ""]
    words += [_value(incident, name) or "" for name in source.text_fields]
    return IncidentText(
        text="\n".join(words),
        service_id=_value(incident, f"{source.service_field}_id") if source.service_field else None,
        configuration_item_id=_value(incident, f"{source.ci_field}_id")
        if source.ci_field
        else None,
        category=(_value(incident, source.category_field) or "") if source.category_field else "",
    )


def incident_detail_context(request: HttpRequest, incident: Any) -> dict[str, Any] | None:
    source = ticket_source(INCIDENT)
    if source is None or incident is None or not can_work_problems(request.user):
        return None
    number = _value(incident, source.number_field)
    links = list(problems_of_incident(number))
    applied = {link.known_error_id for link in links if link.known_error_id}
    suggestions = [
        suggestion
        for suggestion in suggest_known_errors(incident_text(source, incident))
        if suggestion.known_error.pk not in applied
    ]
    return {
        "incident_number": number,
        "links": links,
        "suggestions": suggestions,
        "may_apply": _value(incident, source.state_field) in source.open_states,
    }


def incident_form_context(request: HttpRequest, incident: Any) -> dict[str, Any] | None:
    return {} if can_work_problems(request.user) else None


def report_context(request: HttpRequest, incident: Any) -> dict[str, Any] | None:
    return {} if can_read_portal_articles(request.user) else None


def register() -> None:
    register_ticket_panel(
        INCIDENT,
        TicketPanel(
            name="problems.known_errors",
            template="problems/_incident_panel.html",
            context=incident_detail_context,
        ),
    )
    register_ticket_panel(
        INCIDENT,
        TicketPanel(
            name="problems.suggest_while_typing",
            template="problems/_incident_form_suggestions.html",
            context=incident_form_context,
            places=("form",),
        ),
    )
    register_ticket_panel(
        INCIDENT,
        TicketPanel(
            name="problems.self_help",
            template="problems/_self_help_pointer.html",
            context=report_context,
            places=("report",),
        ),
    )
