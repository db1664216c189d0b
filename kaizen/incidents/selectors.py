"""Permission-aware reads: a user only ever gets the incidents, comments and files they may see."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaizen.incidents.models import (
    OPEN_STATES,
    Category,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentQuerySet,
    SlaState,
)
from kaizen.incidents.permissions import (
    can_see_work_notes,
    can_view_categories,
    can_work_incidents,
)
from kaizen.people.models import User

DETAIL_RELATED = (
    "caller",
    "assignment_group",
    "assignee",
    "service",
    "category",
    "subcategory",
    "opened_by",
    "offering",
    "configuration_item",
)
# "Breaching soon": a running clock due within this time, or already past its warning (and no
# clock breached yet: those are in "Breached").
BREACHING_HORIZON = dt.timedelta(hours=4)


def incidents_for(user: User) -> IncidentQuerySet:
    """Agents see every incident; anyone else only those they are the caller of."""
    if can_work_incidents(user):
        return Incident.objects.all()
    if user.is_authenticated and user.is_active:
        return Incident.objects.filter(caller=user)
    return Incident.objects.none()


def incident_detail_for(user: User) -> IncidentQuerySet:
    return incidents_for(user).select_related(*DETAIL_RELATED)


QUEUES = {
    "mine": "Mine",
    "team": "My teams'",
    "unassigned": "Unassigned",
    "breaching": "Breaching soon",
    "breached": "Breached",
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
        due_soon, warning = breaching_halves(incidents)
        return due_soon | warning
    if name == "breached":
        # The incident_sla_state index (sla_state, state, sla_due_at) is this queue's range.
        return incidents.filter(sla_state=SlaState.BREACHED, state__in=OPEN_STATES)
    raise KeyError(name)


def breaching_halves(incidents: IncidentQuerySet) -> tuple[IncidentQuerySet, IncidentQuerySet]:
    """The open incidents of queue("breaching"), as two disjoint halves: within target and due
    soon, or past a warning. Each half names the SLA state and the open states itself, so each
    is a range of the incident_sla_state index (sla_state, state, sla_due_at); as `open AND
    (due OR warning)` SQLite scanned the whole table (bench/agent_queue.py). Incidents with a
    breached clock are left out: they are the "breached" queue, however long ago they breached
    (a due time in the past alone would bring back every incident breached months ago)."""
    soon = timezone.now() + BREACHING_HORIZON
    open_states = {"state__in": OPEN_STATES}
    return (
        incidents.filter(sla_state=SlaState.OK, sla_due_at__lte=soon, **open_states),
        incidents.filter(sla_state=SlaState.WARNING, **open_states),
    )


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


def categories_for(user: User) -> QuerySet[Category]:
    """Agents see every category, active or not; anyone else none (a 404 on a record)."""
    if not can_view_categories(user):
        return Category.objects.none()
    return Category.objects.select_related("parent")


def _incidents_filed_under(field: str) -> Coalesce:
    per_category = (
        Incident.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(per_category), 0)


def category_list_for(user: User) -> QuerySet[Category]:
    """With `incident_count`, in the same query: the incidents filed under the category (a
    top-level one: as their category; a subcategory: as their subcategory), whatever their
    state. Each count reads the foreign key's index."""
    return categories_for(user).annotate(
        incident_count=Case(
            When(parent__isnull=True, then=_incidents_filed_under("category")),
            default=_incidents_filed_under("subcategory"),
        )
    )


def category_tree(categories: Iterable[Category]) -> list[tuple[Category, list[Category]]]:
    """(category, its subcategories) by name, from already fetched rows. A subcategory whose
    parent is not among the rows (a filtered list) comes under its parent all the same, marked
    `listed = False` so the page can show it as context only."""
    tops: dict[int, Category] = {}
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is None:
            category.listed = True
            tops[category.pk] = category
        else:
            children.setdefault(category.parent_id, []).append(category)
    for parent_id, subs in children.items():
        if parent_id not in tops:
            parent = subs[0].parent
            parent.listed = False
            tops[parent_id] = parent
    ordered = sorted(tops.values(), key=lambda c: (c.name.casefold(), c.pk))
    return [
        (top, sorted(children.get(top.pk, []), key=lambda c: (c.name.casefold(), c.pk)))
        for top in ordered
    ]
