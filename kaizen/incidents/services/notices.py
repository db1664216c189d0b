"""Who hears about an incident's changes. Mail goes out after commit (notifications app)."""

from typing import Any

from kaizen.incidents.models import Incident
from kaizen.notifications import services as notifications
from kaizen.people.models import User

UPDATES = "incident_updates"
ASSIGNED = "incident_assigned"


def _context(incident: Incident, actor: User | None, **extra: Any) -> dict[str, Any]:
    return {"incident": incident, "actor": actor, "url": incident.get_absolute_url(), **extra}


def _is_actor(person: User, actor: User | None) -> bool:
    return actor is not None and person.pk == actor.pk


def tell_caller(incident: Incident, template: str, *, actor: User | None, **extra: Any) -> None:
    """The caller hears of what others did (never of their own comment)."""
    caller = incident.caller
    if _is_actor(caller, actor) or not caller.is_active:
        return
    notifications.queue_notification(
        template, [caller], _context(incident, actor, **extra), category=UPDATES
    )


def tell_assignee(incident: Incident, *, actor: User | None) -> None:
    """A newly assigned agent hears of it, unless they took the incident themselves."""
    assignee = incident.assignee
    if assignee is None or _is_actor(assignee, actor):
        return
    notifications.queue_notification(
        "incident_assigned", [assignee], _context(incident, actor), category=ASSIGNED
    )
