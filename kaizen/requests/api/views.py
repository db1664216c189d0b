"""Service request endpoints: request types, requests (submit, my requests, the moves),
approval steps (decide) and fulfilment tasks.

Reads are narrowed to what the user may see (another person's request is a 404); writes ask
kaizen.requests.permissions (403) and then call the services; a domain ValidationError is a
400 naming the field (form answers under `answers`, keyed by the form's field key), a version
conflict or a refused move a 409 (kaizen/api/errors.py).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.catalog.permissions import can_edit_service
from kaizen.core.api.serializers import versioned_update, versioned_updates
from kaizen.core.api.ticket_activity import TicketActivity, ticket_activity_actions
from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.requests import permissions as rules
from kaizen.requests.api.filters import (
    ApprovalFilter,
    RequestFilter,
    RequestTypeFilter,
    TaskFilter,
)
from kaizen.requests.api.serializers import (
    ApprovalSerializer,
    DecideSerializer,
    RequestActionSerializer,
    RequestAttachmentSerializer,
    RequestCommentSerializer,
    RequestDetailSerializer,
    RequestSerializer,
    RequestTypeSerializer,
    RequestUpdateSerializer,
    SubmitSerializer,
    TaskActionSerializer,
    TaskSerializer,
)
from kaizen.requests.models import (
    ApprovalVote,
    Audience,
    FulfilmentTask,
    RequestApproval,
    RequestType,
    ServiceRequest,
)
from kaizen.requests.services import approvals as approval_services
from kaizen.requests.services import lifecycle
from kaizen.requests.services import tasks as task_services
from kaizen.requests.services.activity import do_add_request_attachment, do_add_request_comment
from kaizen.requests.services.records import do_submit_request, do_update_request
from kaizen.requests.services.types import (
    do_change_form,
    do_create_request_type,
    do_set_approval_steps,
    do_set_task_templates,
    do_update_request_type,
)

CONFLICT = OpenApiResponse(description="The record moved on since you read `version`")
# The services name their lists by their own words; the API by its fields.
LIST_KEYS = {"fields": "form_fields", "steps": "approval_steps", "tasks": "tasks"}


def _renamed(error: ValidationError, names: Mapping[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(key, key): value for key, value in error.message_dict.items()}
    )


class NotAvailable(exceptions.APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = "Not available in this version."


def _service(module: Any, name: str) -> Callable[..., Any]:
    """A task or approval service by name: those modules grow beside this API; a build
    without the one named answers 501 rather than failing."""
    service = getattr(module, name, None)
    if service is None:
        raise NotAvailable(f"{name} is not available in this version")
    return service


def may_add_type_on(user: User, offering: Any) -> bool:
    """Create a request type on `offering`: the catalogue's and the process's leaders, or the
    owner of the offering's service."""
    return rules.can_manage_request_types(user) or can_edit_service(user, offering.service)


# Request types -----------------------------------------------------------------------------


class EditTypes(permissions.BasePermission):
    message = "Catalogue managers, request process leaders and the service owner edit these."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or view.action != "create":
            return True
        return is_agent(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: RequestType) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return rules.can_edit_request_type(request.user, obj)


def request_types_for(user: User) -> QuerySet[RequestType]:
    """Agents see every type; anyone else the active ones they may request."""
    rows = RequestType.objects.select_related("offering__service", "current_form")
    if is_agent(user):
        return rows
    allowed = (
        Q(audience=Audience.EVERYONE) | Q(allowed_people=user) | Q(allowed_teams__members=user)
    )
    return rows.filter(
        allowed,
        is_active=True,
        offering__is_active=True,
        offering__is_requestable=True,
    ).distinct()


@versioned_updates(RequestTypeSerializer, "request type")
class RequestTypeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Request types. Everyone reads the types they may request (agents: all); catalogue
    managers and request process leaders create and edit any, a service owner those of their
    service's offerings. No DELETE: set `is_active` false instead."""

    serializer_class = RequestTypeSerializer
    permission_classes = [permissions.IsAuthenticated, EditTypes]
    filterset_class = RequestTypeFilter
    ordering_fields = ["name", "updated_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[RequestType]:
        if getattr(self, "swagger_fake_view", False):
            return RequestType.objects.none()
        return request_types_for(self.request.user).prefetch_related(
            "allowed_teams",
            "allowed_people",
            "approval_steps__people",
            "task_templates",
        )

    def _reloaded(self, request_type: RequestType) -> RequestType:
        return self.get_queryset().get(pk=request_type.pk)

    @staticmethod
    def _lists(fields: dict[str, Any]) -> dict[str, Any]:
        return {name: fields.pop(name) for name in LIST_KEYS.values() if name in fields}

    def perform_create(self, serializer: RequestTypeSerializer) -> None:
        fields = dict(serializer.validated_data)
        user = self.request.user
        offering = fields["offering"]
        if not may_add_type_on(user, offering):
            raise exceptions.PermissionDenied(EditTypes.message)
        lists = self._lists(fields)
        try:
            with transaction.atomic():
                created = do_create_request_type(
                    actor=user, form_fields=lists.get("form_fields") or [], **fields
                )
                if "approval_steps" in lists:
                    do_set_approval_steps(
                        created, lists["approval_steps"], actor=user, expected_version=None
                    )
                if "tasks" in lists:
                    do_set_task_templates(
                        created, lists["tasks"], actor=user, expected_version=None
                    )
        except ValidationError as error:
            raise _renamed(error, LIST_KEYS) from None
        serializer.instance = self._reloaded(created)

    def perform_update(self, serializer: RequestTypeSerializer) -> None:
        request_type = serializer.instance
        version, fields = versioned_update(serializer)
        user = self.request.user
        moved = "offering" in fields and fields["offering"] != request_type.offering
        if moved and not may_add_type_on(user, fields["offering"]):
            raise exceptions.PermissionDenied(EditTypes.message)
        lists = self._lists(fields)
        try:
            with transaction.atomic():
                # The version read is checked once, by the first write; the rest follow it.
                do_update_request_type(request_type, actor=user, expected_version=version, **fields)
                if "form_fields" in lists:
                    do_change_form(
                        request_type, lists["form_fields"], actor=user, expected_version=None
                    )
                if "approval_steps" in lists:
                    do_set_approval_steps(
                        request_type, lists["approval_steps"], actor=user, expected_version=None
                    )
                if "tasks" in lists:
                    do_set_task_templates(
                        request_type, lists["tasks"], actor=user, expected_version=None
                    )
        except ValidationError as error:
            raise _renamed(error, LIST_KEYS) from None
        serializer.instance = self._reloaded(request_type)


# Requests -----------------------------------------------------------------------------------


def _votes_of(user: User) -> Any:
    return Exists(ApprovalVote.objects.filter(approval__request=OuterRef("pk"), approver=user))


def requests_for(user: User, *, with_approvals: bool = False) -> QuerySet[ServiceRequest]:
    """Agents see every request; anyone else those they made or that are for them (and, to
    read one, those they are asked to approve)."""
    rows = ServiceRequest.objects.select_related(
        "request_type", "service", "requested_for", "assignment_group", "form_version"
    )
    if rules.can_work_requests(user):
        return rows
    mine = Q(requested_for=user) | Q(requested_by=user)
    if with_approvals:
        return rows.filter(mine | Q(_votes_of(user)))
    return rows.filter(mine)


def _may_comment(user: User, request: ServiceRequest) -> bool:
    return rules.can_work_requests(user) or rules.is_party_to(user, request)


def _comments(user: User, request: ServiceRequest) -> Any:
    rows = request.comments.select_related("author").order_by("created_at", "id")
    return rows if rules.can_work_requests(user) else rows.filter(is_work_note=False)


REQUEST_ACTIVITY = TicketActivity(
    comments=_comments,
    attachments=lambda user, request: request.attachments.select_related("uploaded_by"),
    may_comment=_may_comment,
    may_attach=_may_comment,
    may_write_work_notes=rules.can_work_requests,
    add_comment=do_add_request_comment,
    add_attachment=do_add_request_attachment,
    requester="the requester",
)

AGENTS_ONLY = "Service desk agents work requests."
ACTION_SCHEMA = extend_schema(
    request=RequestActionSerializer, responses={200: RequestDetailSerializer, 409: CONFLICT}
)


class RequestViewSet(
    ticket_activity_actions(
        REQUEST_ACTIVITY, RequestCommentSerializer, RequestAttachmentSerializer
    ),
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service requests, by number. POST submits one (its answers checked against the type's
    current form); a requester lists the requests they made or that are for them, agents all.
    PATCH (agents) changes the title, group and assignee; the actions move it."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = RequestFilter
    ordering_fields = ["number", "state", "opened_at", "updated_at", "sla_due_at"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceRequest.objects.none()
        rows = requests_for(self.request.user, with_approvals=self.action not in ("list", "mine"))
        if self.action in ("list", "mine"):
            return rows
        return rows.prefetch_related("approvals__votes__approver", "tasks__assignment_group")

    def get_serializer_class(self) -> Any:
        if self.action in ("list", "mine"):
            return RequestSerializer
        if self.action == "create":
            return SubmitSerializer
        if self.action == "partial_update":
            return RequestUpdateSerializer
        return RequestDetailSerializer

    def _answer(self, request: ServiceRequest, code: int = status.HTTP_200_OK) -> Response:
        reloaded = (
            requests_for(self.request.user, with_approvals=True)
            .prefetch_related("approvals__votes__approver", "tasks__assignment_group")
            .get(pk=request.pk)
        )
        return Response(RequestDetailSerializer(reloaded).data, status=code)

    @extend_schema(request=SubmitSerializer, responses={201: RequestDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        request_type: RequestType = data["request_type"]
        if not request_types_for(request.user).filter(pk=request_type.pk).exists():
            raise ValidationError({"request_type": f"no request type with id {request_type.pk}"})
        form = request_type.current_form
        keys = {field["key"] for field in (form.fields if form else [])} | set(data["answers"])
        try:
            submitted = do_submit_request(
                request_type,
                actor=request.user,
                answers=data["answers"],
                requested_for=data["requested_for"],
                title=data["title"],
                channel="api",
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            detail = error.message_dict
            answers = {key: detail.pop(key) for key in list(detail) if key in keys}
            if answers:
                detail["answers"] = answers
            raise exceptions.ValidationError(detail) from None
        return self._answer(submitted, status.HTTP_201_CREATED)

    @extend_schema(
        request=RequestUpdateSerializer, responses={200: RequestDetailSerializer, 409: CONFLICT}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service_request = self.get_object()
        if not rules.can_work_requests(request.user):
            raise exceptions.PermissionDenied(AGENTS_ONLY)
        serializer = RequestUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "version" not in fields:
            raise ValidationError(
                {"version": "send the version you read, so nobody's change is overwritten"}
            )
        do_update_request(
            service_request,
            actor=request.user,
            expected_version=fields.pop("version"),
            **fields,
        )
        return self._answer(service_request)

    @extend_schema(responses={200: RequestSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        """The requests you made or that are for you, newest first (agents too)."""
        user = request.user
        rows = self.filter_queryset(
            self.get_queryset().filter(Q(requested_for=user) | Q(requested_by=user))
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RequestSerializer(page, many=True).data)

    def _act(self, request: Request, may: Callable[[User, ServiceRequest], bool], message: str):
        service_request = self.get_object()
        if not may(request.user, service_request):
            raise exceptions.PermissionDenied(message)
        serializer = RequestActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return service_request, serializer.validated_data

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, number: str) -> Response:
        """Withdraw a request not yet fulfilled (the requester, who made it, or an agent)."""
        service_request, data = self._act(
            request, rules.can_cancel_request, "Only the requester and agents cancel it."
        )
        lifecycle.do_cancel_request(
            service_request,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return self._answer(service_request)

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, number: str) -> Response:
        """Put on hold with a `reason`: awaiting_requester, awaiting_supplier, awaiting_stock."""
        service_request, data = self._act(request, _works, AGENTS_ONLY)
        lifecycle.do_put_on_hold(
            service_request, data["reason"], actor=request.user, expected_version=data["version"]
        )
        return self._answer(service_request)

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, number: str) -> Response:
        service_request, data = self._act(request, _works, AGENTS_ONLY)
        lifecycle.do_resume_request(
            service_request, actor=request.user, expected_version=data["version"]
        )
        return self._answer(service_request)

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def fulfil(self, request: Request, number: str) -> Response:
        """Mark delivered (a request with open tasks is fulfilled by its last task: 409)."""
        service_request, data = self._act(request, _works, AGENTS_ONLY)
        lifecycle.do_fulfil_request(
            service_request, actor=request.user, expected_version=data["version"]
        )
        return self._answer(service_request)

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, number: str) -> Response:
        """It cannot be fulfilled: `reason` says why; its open tasks are cancelled."""
        service_request, data = self._act(request, _works, AGENTS_ONLY)
        lifecycle.do_fail_request(
            service_request, data["reason"], actor=request.user, expected_version=data["version"]
        )
        return self._answer(service_request)

    @ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def close(self, request: Request, number: str) -> Response:
        """Close a fulfilled or failed request."""
        service_request, data = self._act(request, _works, AGENTS_ONLY)
        lifecycle.do_close_request(
            service_request, actor=request.user, expected_version=data["version"]
        )
        return self._answer(service_request)

    @extend_schema(request=RequestCommentSerializer, responses={201: RequestCommentSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, number: str) -> Response:
        """Add a comment (the same as POST comments/; agents may send `is_work_note`)."""
        return self.comments(request, number=number)


def _works(user: User, request: ServiceRequest) -> bool:
    return rules.can_work_requests(user)


# Approvals ----------------------------------------------------------------------------------


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval steps. An approver lists the steps they are asked to decide (`?state=pending`
    for their inbox); agents read every step. POST decide/ approves or rejects."""

    serializer_class = ApprovalSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ApprovalFilter
    ordering_fields = ["started_at", "due_at", "position"]
    ordering = ["-started_at", "position"]

    def get_queryset(self) -> QuerySet[RequestApproval]:
        if getattr(self, "swagger_fake_view", False):
            return RequestApproval.objects.none()
        user = self.request.user
        rows = RequestApproval.objects.select_related("request").prefetch_related("votes__approver")
        if rules.can_work_requests(user) and self.action != "decide":
            return rows
        asked = Exists(ApprovalVote.objects.filter(approval=OuterRef("pk"), approver=user))
        return rows.filter(asked)

    @extend_schema(request=DecideSerializer, responses={200: ApprovalSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        """Approve or reject the step as one of its approvers (or their delegate), with an
        optional comment."""
        step = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _service(approval_services, "do_decide")(
            step.request,
            actor=request.user,
            decision=serializer.validated_data["decision"],
            comment=serializer.validated_data["comment"],
        )
        return Response(ApprovalSerializer(self.get_queryset().get(pk=step.pk)).data)


# Tasks --------------------------------------------------------------------------------------


class WorkTasks(permissions.BasePermission):
    message = AGENTS_ONLY

    def has_permission(self, request: Request, view: Any) -> bool:
        return rules.can_work_requests(request.user)


TASK_ACTION_SCHEMA = extend_schema(
    request=TaskActionSerializer, responses={200: TaskSerializer, 409: CONFLICT}
)


@versioned_updates(TaskSerializer, "task")
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Fulfilment tasks, by number, for agents: the queues filter by `assignment_group` and
    `state`; PATCH changes the assignee; the actions move the task (the request follows)."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    serializer_class = TaskSerializer
    permission_classes = [permissions.IsAuthenticated, WorkTasks]
    filterset_class = TaskFilter
    ordering_fields = ["number", "sla_due_at", "opened_at", "state"]
    ordering = ["sla_due_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[FulfilmentTask]:
        return FulfilmentTask.objects.select_related("request", "assignment_group", "assignee")

    def _answer(self, task: FulfilmentTask) -> Response:
        return Response(TaskSerializer(self.get_queryset().get(pk=task.pk)).data)

    def perform_update(self, serializer: TaskSerializer) -> None:
        version, fields = versioned_update(serializer)
        task = serializer.instance
        _service(task_services, "do_update_task")(
            task, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self.get_queryset().get(pk=task.pk)

    def _data(self, request: Request) -> tuple[FulfilmentTask, dict[str, Any]]:
        task = self.get_object()
        serializer = TaskActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return task, dict(serializer.validated_data)

    @TASK_ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def start(self, request: Request, number: str) -> Response:
        task, data = self._data(request)
        _service(task_services, "do_start_task")(
            task, actor=request.user, expected_version=data["version"]
        )
        return self._answer(task)

    @TASK_ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, number: str) -> Response:
        """On hold with a `reason` (awaiting_requester pauses its clock as the OLA says)."""
        task, data = self._data(request)
        _service(task_services, "do_hold_task")(
            task, data["reason"], actor=request.user, expected_version=data["version"]
        )
        return self._answer(task)

    @TASK_ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, number: str) -> Response:
        task, data = self._data(request)
        _service(task_services, "do_resume_task")(
            task, actor=request.user, expected_version=data["version"]
        )
        return self._answer(task)

    @TASK_ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, number: str) -> Response:
        """Done, with an optional `note`; the last task done fulfils the request."""
        task, data = self._data(request)
        _service(task_services, "do_complete_task")(
            task, note=data["note"], actor=request.user, expected_version=data["version"]
        )
        return self._answer(task)

    @TASK_ACTION_SCHEMA
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, number: str) -> Response:
        """It cannot be done (`reason` required): the request fails with it."""
        task, data = self._data(request)
        _service(task_services, "do_fail_task")(
            task, data["reason"], actor=request.user, expected_version=data["version"]
        )
        return self._answer(task)
