"""Permission-aware reads: a user only ever gets the incidents, comments and files they may see."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from kaizen.incidents.models import (
    OPEN_STATES,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentQuerySet,
    SlaState,
)
from kaizen.incidents.permissions import can_see_work_notes, can_work_incidents
from kaizen.people.models import User

LIST_RELATED = (
    "caller",
    "assignment_group",
    "assignee",
    "service",
    "category",
    "subcategory",
)
DETAIL_RELATED = (*LIST_RELATED, "opened_by", "offering", "configuration_item")
# "Breaching soon": a running clock due within this time, or already past its warning.
BREACHING_HORIZON = dt.timedelta(hours=4)


def incidents_for(user: User) -> IncidentQuerySet:
    """Agents see every incident; anyone else only those they are the caller of."""
    if can_work_incidents(user):
        return Incident.objects.all()
    if user.is_authenticated and user.is_active:
        return Incident.objects.filter(caller=user)
    return Incident.objects.none()


def incident_list_for(user: User) -> IncidentQuerySet:
    return incidents_for(user).select_related(*LIST_RELATED)


def incident_detail_for(user: User) -> IncidentQuerySet:
    return incidents_for(user).select_related(*DETAIL_RELATED)


QUEUES = {
    "mine": "Mine",
    "team": "My teams'",
    "unassigned": "Unassigned",
    "breaching": "Breaching soon",
    "all": "All",
}


def queue(incidents: IncidentQuerySet, name: str, user: User) -> IncidentQuerySet:
    """One of the agent queues (QUEUES). Every queue but "all" holds open incidents only."""
    if name == "all":
        return incidents
    open_incidents = incidents.open()
    if name == "mine":
        return open_incidents.filter(assignee=user)
    if name == "team":
        return open_incidents.filter(assignment_group__members=user)
    if name == "unassigned":
        return open_incidents.filter(assignee__isnull=True)
    if name == "breaching":
        soon = timezone.now() + BREACHING_HORIZON
        # Each side of the OR names the open states itself, so each can use its own index
        # (state, sla_due_at) and (sla_state, state); as `open AND (due OR warning)` SQLite
        # scanned the whole table (bench/agent_queue.py).
        open_states = {"state__in": OPEN_STATES}
        return incidents.filter(
            Q(sla_due_at__lte=soon, **open_states) | Q(sla_state=SlaState.WARNING, **open_states)
        )
    raise KeyError(name)


def comments_for(user: User, incident: Incident) -> QuerySet[IncidentComment]:
    """Agents read comments and work notes; the caller only the comments."""
    comments = incident.comments.select_related("author")
    if can_see_work_notes(user):
        return comments
    return comments.filter(is_work_note=False)


def attachments_for(user: User, incident: Incident) -> QuerySet[IncidentAttachment]:
    return incident.attachments.select_related("uploaded_by")


def attachment_for(user: User, pk: int) -> IncidentAttachment | None:
    """The attachment if its incident is visible to `user` (None otherwise: a 404)."""
    return (
        IncidentAttachment.objects.select_related("incident")
        .filter(pk=pk, incident__in=incidents_for(user))
        .first()
    )
