"""Permission-aware reads of request types and requests for the pages: the catalogue a person
may order from, the requests they may see (their own and those they approve; agents all), and
what a request's page shows. Each in a fixed number of queries."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from kaizen.catalog.models import Service
from kaizen.core.filtering import search_terms
from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.requests.models import (
    ApprovalVote,
    FulfilmentTask,
    RequestApproval,
    RequestAttachment,
    RequestComment,
    RequestType,
    ServiceRequest,
    StepState,
    TaskState,
)
from kaizen.requests.permissions import can_manage_request_types, can_work_requests

CATALOGUE_SEARCH = ("name", "summary", "offering__name", "offering__service__name")
LIST_RELATED = ("request_type", "service", "requested_for", "assignment_group", "assignee")
DETAIL_RELATED = (
    "request_type",
    "request_type__delivery_target",
    "form_version",
    "offering",
    "service",
    "requested_for",
    "requested_by",
    "assignment_group",
    "assignee",
)


def orderable_types(user: User) -> QuerySet[RequestType]:
    """The active request types of active, requestable offerings whose audience includes
    `user`: one query, whatever the number of teams and types."""
    if not (user.is_authenticated and user.is_active):
        return RequestType.objects.none()
    allowed = (
        Q(audience="everyone")
        | Exists(
            RequestType.allowed_people.through.objects.filter(
                requesttype_id=OuterRef("pk"), user_id=user.pk
            )
        )
        | Exists(
            RequestType.allowed_teams.through.objects.filter(
                requesttype_id=OuterRef("pk"), team__members=user
            )
        )
    )
    return (
        RequestType.objects.filter(
            allowed,
            is_active=True,
            offering__is_active=True,
            offering__is_requestable=True,
        )
        .select_related("offering", "offering__service")
        .order_by("offering__service__name", "name", "pk")
    )


def catalogue_for(user: User, query: str = "") -> list[tuple[Service, list[RequestType]]]:
    """What `user` may order, searched by name, summary, offering and service, grouped by
    service (one query)."""
    types = orderable_types(user)
    if query.strip():
        types = search_terms(types, CATALOGUE_SEARCH, query)
    groups: dict[int, tuple[Service, list[RequestType]]] = {}
    for request_type in types:
        service = request_type.offering.service
        groups.setdefault(service.pk, (service, []))[1].append(request_type)
    return list(groups.values())


def service_types_for(user: User, service: Service) -> list[RequestType]:
    return list(orderable_types(user).filter(offering__service=service))


def types_managed_by(user: User) -> QuerySet[RequestType]:
    """The request types `user` may edit: all of them for catalogue managers and request
    leaders, those of the services they own for service owners."""
    types = RequestType.objects.select_related(
        "offering", "offering__service", "fulfilment_group", "current_form"
    ).annotate(request_count=Count("requests", distinct=True))
    if can_manage_request_types(user):
        return types
    if not is_agent(user):
        return types.none()
    return types.filter(offering__service__owner=user)


def requests_for(user: User) -> QuerySet[ServiceRequest]:
    """Agents: every request. Anyone else: those they made, those for them, and those they
    are asked to approve."""
    if not (user.is_authenticated and user.is_active):
        return ServiceRequest.objects.none()
    if can_work_requests(user):
        return ServiceRequest.objects.all()
    asked = ApprovalVote.objects.filter(approval__request=OuterRef("pk"), approver=user)
    return ServiceRequest.objects.filter(
        Q(requested_for=user) | Q(requested_by=user) | Exists(asked)
    )


def with_progress(requests: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """With the counts "My requests" shows: tasks done of all, approval steps approved of
    all."""
    return requests.annotate(
        task_count=Count("tasks", distinct=True),
        tasks_done=Count(
            "tasks",
            filter=Q(tasks__state__in=(TaskState.DONE, TaskState.CANCELLED)),
            distinct=True,
        ),
        step_count=Count("approvals", distinct=True),
        steps_approved=Count(
            "approvals", filter=Q(approvals__state=StepState.APPROVED), distinct=True
        ),
    )


def my_requests(user: User) -> QuerySet[ServiceRequest]:
    """The requests for `user` or made by them (not those they only approve)."""
    return with_progress(
        ServiceRequest.objects.filter(Q(requested_for=user) | Q(requested_by=user))
    ).select_related(*LIST_RELATED)


def request_list_for(user: User) -> QuerySet[ServiceRequest]:
    return requests_for(user).select_related(*LIST_RELATED)


def request_detail_for(user: User) -> QuerySet[ServiceRequest]:
    return requests_for(user).select_related(*DETAIL_RELATED)


def approvals_of(request: ServiceRequest) -> list[RequestApproval]:
    return list(
        request.approvals.prefetch_related("votes__approver", "votes__decided_by").order_by(
            "position"
        )
    )


def tasks_of(request: ServiceRequest) -> list[FulfilmentTask]:
    return list(
        request.tasks.select_related("assignment_group", "assignee").order_by("position", "pk")
    )


def comments_for(request: ServiceRequest, user: User) -> QuerySet[RequestComment]:
    comments = request.comments.select_related("author")
    if not can_work_requests(user):
        comments = comments.filter(is_work_note=False)
    return comments


def attachments_for(request: ServiceRequest) -> QuerySet[RequestAttachment]:
    return request.attachments.select_related("uploaded_by")


def attachment_for(user: User, pk: int) -> RequestAttachment | None:
    return (
        RequestAttachment.objects.filter(pk=pk, servicerequest__in=requests_for(user))
        .select_related("servicerequest")
        .first()
    )
