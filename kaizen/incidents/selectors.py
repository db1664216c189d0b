"""Permission-aware reads: a user only ever gets the incidents, comments and files they may see."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Count, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Cast, Coalesce
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
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people.models import User
from kaizen.sla.models import ClockState, SLAClock

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


# How an agent's open incidents stand against their SLA: every open incident is in exactly one.
SLA_STANDINGS = {"breached": "Breached", "breaching": "Breaching soon", "on_track": "On track"}
# The clocks that stopped this calendar month (in the reader's time zone), by their outcome.
STOPPED_THIS_MONTH = {"met_month": ClockState.MET, "breached_month": ClockState.BREACHED}


def sla_standing(incidents: IncidentQuerySet, name: str) -> IncidentQuerySet:
    """The open incidents in one SLA_STANDINGS bucket: "breached" (a clock has breached),
    "breaching" (queue "breaching": within target and due within BREACHING_HORIZON, or past a
    warning), "on_track" (the rest: within target and due later, or no running clock)."""
    open_incidents = incidents.open()
    if name == "breached":
        return open_incidents.filter(sla_state=SlaState.BREACHED)
    if name == "breaching":
        due_soon, warning = breaching_halves(incidents)
        return due_soon | warning
    if name == "on_track":
        soon = timezone.now() + BREACHING_HORIZON
        return open_incidents.exclude(sla_state__in=(SlaState.BREACHED, SlaState.WARNING)).exclude(
            Q(sla_state=SlaState.OK) & Q(sla_due_at__lte=soon)
        )
    raise KeyError(name)


def month_start() -> dt.datetime:
    """The first instant of this calendar month in the active (the reader's) time zone."""
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def stopped_this_month(incidents: IncidentQuerySet, name: str) -> IncidentQuerySet:
    """Incidents (any state) with an SLA clock that stopped this month met ("met_month") or
    breached ("breached_month"). One incident may be in both (a response clock met, the
    resolution clock breached)."""
    clocks = SLAClock.objects.filter(
        ticket_type=ContentType.objects.get_for_model(Incident),
        stopped_at__gte=month_start(),
        state=STOPPED_THIS_MONTH[name],
    )
    return incidents.filter(pk__in=clocks.values("ticket_id"))


def caller_updated(incidents: IncidentQuerySet) -> IncidentQuerySet:
    """Open, assigned incidents whose caller did something recorded in the journal (a comment,
    an attachment, an edit, a reopen: any event but the opening) after the assignee's own latest
    event on the incident, or that the assignee never acted on yet. The journal's actor is the
    person who made the change; the caller's and the assignee's latest events are each read
    from the journal's (subject type, subject id, id) index. An incident whose caller is its
    assignee is left out."""
    events = JournalEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(Incident),
        subject_id=Cast(OuterRef("pk"), output_field=CharField(max_length=64)),
    ).order_by("-id")
    callers = events.filter(actor_id=OuterRef("caller_id")).exclude(
        event_type=EventType.INCIDENT_CREATED
    )
    assignees = events.filter(actor_id=OuterRef("assignee_id"))
    return (
        incidents.open()
        .filter(assignee__isnull=False)
        .exclude(caller_id=F("assignee_id"))
        .annotate(
            caller_event=Subquery(callers.values("id")[:1]),
            assignee_event=Subquery(assignees.values("id")[:1]),
        )
        .filter(caller_event__isnull=False)
        .filter(Q(assignee_event__isnull=True) | Q(caller_event__gt=F("assignee_event")))
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
