"""Service request pages: the catalogue people order from, the request form, "My requests",
the request page with its actions, the agents' list of all requests, and the management of
request types (their form built row by row, approval steps, tasks).

Each view: authenticate, fetch through a selector (404 for a request the user may not see),
check the permission (403), validate a form, call one service, redirect or re-render.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.catalog.models import ServiceOffering
from kaizen.core.errors import Conflict, StaleRecord
from kaizen.core.forms import (
    TicketAttachmentForm,
    TicketCommentForm,
    detached,
    keep_input_after_conflict,
    page_status,
    run_service,
)
from kaizen.core.listing import list_page
from kaizen.core.ticket_views import attachment_response, post_attachment, post_comment
from kaizen.journal.selectors import timeline_for
from kaizen.journal.ticket_activity import max_attachment_bytes
from kaizen.people.permissions import can_view_timeline, is_agent
from kaizen.requests import lead_time, permissions, selectors
from kaizen.requests.approval_views import approvals_panel
from kaizen.requests.filters import MyRequestFilter, RequestFilter
from kaizen.requests.form_schema import FIELD_TYPES, describe_answers
from kaizen.requests.form_widgets import RequestAnswersForm
from kaizen.requests.forms import (
    TYPE_SETTINGS,
    AssignForm,
    CancelForm,
    FailForm,
    FieldRowFormSet,
    HoldForm,
    MoveForm,
    OnBehalfForm,
    RequestTypeForm,
    StepRowFormSet,
    TaskRowFormSet,
    VersionForm,
    put_row_errors,
    row_initial,
    schema_from,
)
from kaizen.requests.models import (
    RequestType,
    ServiceRequest,
    State,
    TaskState,
)
from kaizen.requests.services.activity import (
    NO_MORE_ACTIVITY,
    do_add_request_attachment,
    do_add_request_comment,
)
from kaizen.requests.services.lifecycle import (
    CANCELLABLE,
    TRANSITIONS,
    do_cancel_request,
    do_close_request,
    do_fail_request,
    do_fulfil_request,
    do_put_on_hold,
    do_resume_request,
)
from kaizen.requests.services.records import do_submit_request, do_update_request
from kaizen.requests.services.types import (
    describe_steps,
    describe_tasks,
    do_change_form,
    do_create_request_type,
    do_set_approval_steps,
    do_set_task_templates,
    do_update_request_type,
    requestable_offerings,
)
from kaizen.sla.refresh import explain_ticket_clocks

# The estimate shown before submitting, and on the type's page: 90 days of fulfilled requests.
ESTIMATE_WINDOW = dt.timedelta(days=90)

SORTS = {
    "number": "number",
    "opened": "opened_at",
    "state": "state",
    "due": "sla_due_at",
    "updated": "updated_at",
}
REQUESTER_WORD = "requester"


# ---- helpers ------------------------------------------------------------------------------


def _act(form: forms.BaseForm, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """run_service, and a move the request's state refuses as the form's error."""
    try:
        return run_service(form, function, *args, **kwargs)
    except StaleRecord as conflict:  # pragma: no cover - run_service handles it
        keep_input_after_conflict(form, conflict)
    except Conflict as refusal:
        form.add_error(None, str(refusal))
    return None


# ---- the catalogue and the request form ---------------------------------------------------


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    groups = selectors.catalogue_for(request.user, query)
    context = {
        "groups": groups,
        "query": query,
        "count": sum(len(types) for _, types in groups),
    }
    return render(request, "requests/catalogue.html", context)


def _orderable(request: HttpRequest, pk: int) -> RequestType:
    """Agents may open any active type (they may request for someone in its audience); anyone
    else only the types their audience includes."""
    if permissions.can_request_for_others(request.user):
        types = RequestType.objects.filter(
            is_active=True, offering__is_active=True, offering__is_requestable=True
        ).select_related("offering", "offering__service", "current_form", "delivery_target")
    else:
        types = selectors.orderable_types(request.user).select_related(
            "current_form", "delivery_target"
        )
    return get_object_or_404(types, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def order(request: HttpRequest, pk: int) -> HttpResponse:
    """The type's current form; submitted, the request's page."""
    request_type = _orderable(request, pk)
    schema = request_type.current_form.fields if request_type.current_form else []
    posted = request.method == "POST"
    form = RequestAnswersForm(
        schema, request.POST if posted else None, request.FILES if posted else None
    )
    on_behalf = None
    if permissions.can_request_for_others(request.user):
        on_behalf = OnBehalfForm(request.POST if posted else None, prefix="meta")
    if posted and form.is_valid() and (on_behalf is None or on_behalf.is_valid()):
        answers, files = form.answers() or ({}, {})
        requested_for = on_behalf.cleaned_data["requested_for"] if on_behalf else None
        try:
            submitted = do_submit_request(
                request_type,
                actor=request.user,
                answers=answers,
                files=files,
                requested_for=requested_for or request.user,
            )
        except ValidationError as error:
            for key, problems in error.message_dict.items():
                for problem in problems:
                    if on_behalf is not None and key == "requested_for":
                        on_behalf.add_error("requested_for", problem)
                    else:
                        form.add_error(key if key in form.fields else None, problem)
        else:
            messages.success(request, f"{submitted.number} submitted.")
            return redirect(submitted)
    context = {
        "request_type": request_type,
        "form": form,
        "on_behalf": on_behalf,
        "estimate": lead_time.estimate(request_type, timezone.now()),
        "has_attachments": any(f["type"] == "attachment" for f in schema),
    }
    return render(request, "requests/order.html", context, status=page_status(form, on_behalf))


# ---- my requests, all requests ------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request,
        selectors.my_requests(request.user),
        MyRequestFilter,
        sort_fields=SORTS,
        default_sort="-opened",
    )
    return render(request, "requests/mine.html", listing.context())


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_work_requests(request.user):
        raise PermissionDenied("All requests are for the service desk's agents.")
    listing = list_page(
        request,
        selectors.request_list_for(request.user),
        RequestFilter,
        sort_fields=SORTS,
        default_sort="-opened",
        page_by_primary_key=True,
    )
    return render(request, "requests/list.html", listing.context())


# ---- the request page ---------------------------------------------------------------------


def _request_for(request: HttpRequest, number: str) -> ServiceRequest:
    return get_object_or_404(selectors.request_detail_for(request.user), number=number)


def _is_party(user: Any, service_request: ServiceRequest) -> bool:
    return permissions.is_party_to(user, service_request) or permissions.can_work_requests(user)


def _actions(user: Any, service_request: ServiceRequest, tasks: list[Any]) -> dict[str, bool]:
    state = State(service_request.state)
    targets = TRANSITIONS[state]
    agent = permissions.can_work_requests(user)
    open_tasks = any(
        task.state not in (TaskState.DONE, TaskState.CANCELLED, TaskState.FAILED) for task in tasks
    )
    return {
        "cancel": state in CANCELLABLE and permissions.can_cancel_request(user, service_request),
        "assign": agent and service_request.is_open,
        "hold": agent and State.ON_HOLD in targets,
        "resume": agent and state == State.ON_HOLD,
        "fulfil": agent and State.FULFILLED in targets and not open_tasks,
        "fail": agent and State.FAILED in targets,
        "close": agent and State.CLOSED in targets,
    }


def _render_request(
    request: HttpRequest, service_request: ServiceRequest, **forms_: Any
) -> HttpResponse:
    user = request.user
    agent = permissions.can_work_requests(user)
    party = _is_party(user, service_request)
    approvals = selectors.approvals_of(service_request)
    tasks = selectors.tasks_of(service_request)
    fields = service_request.form_version.fields if service_request.form_version else []
    actions = _actions(user, service_request, tasks)
    version = {"version": service_request.version}
    open_to_activity = service_request.state not in NO_MORE_ACTIVITY and party
    current_step = next((step for step in approvals if step.state == "pending"), None)
    context: dict[str, Any] = {
        "service_request": service_request,
        "answers": describe_answers(fields, service_request.answers),
        "approvals": approvals,
        "current_step": current_step,
        "tasks": tasks,
        "tasks_done": sum(1 for task in tasks if task.state == TaskState.DONE),
        "is_agent": agent,
        "actions": actions,
        "approvals_panel": approvals_panel(request, service_request),
        "lead_time": lead_time.breakdown(service_request),
        "comments": list(selectors.comments_for(service_request, user)),
        "attachments": list(selectors.attachments_for(service_request)),
        "can_comment": open_to_activity,
        "can_attach": open_to_activity,
        "comment_form": forms_.get("comment_form")
        or TicketCommentForm(agent=agent, requester_word=REQUESTER_WORD),
        "attachment_form": forms_.get("attachment_form") or TicketAttachmentForm(),
        "max_attachment_mb": max_attachment_bytes() // (1024 * 1024),
        "requester_word": REQUESTER_WORD,
        "cancel_form": forms_.get("cancel_form") or CancelForm(initial=version),
        "assign_form": forms_.get("assign_form")
        or AssignForm(
            initial={
                **version,
                "assignment_group": service_request.assignment_group_id,
                "assignee": service_request.assignee_id,
            }
        )
        if actions["assign"]
        else None,
        "hold_form": forms_.get("hold_form") or HoldForm(initial=version),
        "fail_form": forms_.get("fail_form") or FailForm(initial=version),
        "move_form": forms_.get("move_form") or MoveForm(initial=version),
        "open_panel": forms_.get("open_panel", ""),
    }
    if can_view_timeline(user):
        context["timeline"] = timeline_for(service_request)
    context["sla_clocks"] = (
        explain_ticket_clocks(service_request)
        if agent and service_request.sla_clocks.exists()
        else None
    )
    status = page_status(*(f for f in forms_.values() if isinstance(f, forms.BaseForm)))
    return render(request, "requests/detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_request(request, _request_for(request, number))


def _move_view(
    request: HttpRequest,
    number: str,
    form_class: type[forms.Form],
    form_name: str,
    allowed: str,
    call: Callable[[ServiceRequest, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    service_request = _request_for(request, number)
    tasks = selectors.tasks_of(service_request)
    if not _actions(request.user, service_request, tasks)[allowed]:
        may = (
            permissions.can_cancel_request(request.user, service_request)
            if allowed == "cancel"
            else permissions.can_work_requests(request.user)
        )
        if not may:
            raise PermissionDenied("Only the requester and the service desk's agents do this.")
        messages.error(
            request,
            f"{service_request.number} is {service_request.get_state_display().lower()}: "
            "that cannot be done now.",
        )
        return redirect(service_request)
    form = form_class(request.POST)
    if form.is_valid():
        moved = _act(form, call, service_request, form.cleaned_data)
        if moved is not None:
            messages.success(request, done.format(number=service_request.number))
            return redirect(service_request)
    return _render_request(request, service_request, **{form_name: form, "open_panel": allowed})


@login_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        CancelForm,
        "cancel_form",
        "cancel",
        lambda r, d: do_cancel_request(
            r, actor=request.user, reason=d["reason"], expected_version=d["version"]
        ),
        "{number} cancelled.",
    )


@login_required
@require_POST
def hold(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        HoldForm,
        "hold_form",
        "hold",
        lambda r, d: do_put_on_hold(
            r, d["hold_reason"], actor=request.user, expected_version=d["version"]
        ),
        "{number} is on hold.",
    )


@login_required
@require_POST
def resume(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        MoveForm,
        "move_form",
        "resume",
        lambda r, d: do_resume_request(r, actor=request.user, expected_version=d["version"]),
        "{number} resumed.",
    )


@login_required
@require_POST
def fulfil(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        MoveForm,
        "move_form",
        "fulfil",
        lambda r, d: do_fulfil_request(r, actor=request.user, expected_version=d["version"]),
        "{number} is fulfilled.",
    )


@login_required
@require_POST
def fail(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        FailForm,
        "fail_form",
        "fail",
        lambda r, d: do_fail_request(
            r, d["failure_reason"], actor=request.user, expected_version=d["version"]
        ),
        "{number} marked as not fulfilled.",
    )


@login_required
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        MoveForm,
        "move_form",
        "close",
        lambda r, d: do_close_request(r, actor=request.user, expected_version=d["version"]),
        "{number} closed.",
    )


@login_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    return _move_view(
        request,
        number,
        AssignForm,
        "assign_form",
        "assign",
        lambda r, d: do_update_request(
            r,
            actor=request.user,
            expected_version=d["version"],
            assignment_group=d["assignment_group"],
            assignee=d["assignee"],
        ),
        "{number} assigned.",
    )


def _require_party(request: HttpRequest, service_request: ServiceRequest) -> None:
    if not _is_party(request.user, service_request):
        raise PermissionDenied("Only the requester and the service desk write on a request.")


@login_required
@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    service_request = _request_for(request, number)
    _require_party(request, service_request)
    return post_comment(
        request,
        service_request,
        agent=permissions.can_work_requests(request.user),
        add_comment=do_add_request_comment,
        render_page=_render_request,
        requester_word=REQUESTER_WORD,
    )


@login_required
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    service_request = _request_for(request, number)
    _require_party(request, service_request)
    return post_attachment(
        request,
        service_request,
        add_attachment=do_add_request_attachment,
        render_page=_render_request,
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(selectors.attachment_for(request.user, pk))


# ---- request types ------------------------------------------------------------------------


def _offerings_for(user: Any) -> Any:
    """The offerings `user` may put a request type on: every requestable one for catalogue
    managers and request leaders, those of their own services for service owners."""
    offerings = requestable_offerings()
    if permissions.can_manage_request_types(user):
        return offerings
    if not is_agent(user):
        return ServiceOffering.objects.none()
    return offerings.filter(service__owner=user)


def _type_for(request: HttpRequest, pk: int, *, edit: bool = True) -> RequestType:
    request_type = get_object_or_404(
        RequestType.objects.select_related(
            "offering",
            "offering__service",
            "fulfilment_group",
            "delivery_target",
            "current_form",
        ),
        pk=pk,
    )
    user = request.user
    if edit and not permissions.can_edit_request_type(user, request_type):
        raise PermissionDenied(
            "Catalogue managers, request leaders and the service's owner edit request types."
        )
    if not edit and not (permissions.can_edit_request_type(user, request_type) or is_agent(user)):
        raise PermissionDenied("Request types are managed by the catalogue's managers.")
    return request_type


@login_required
@require_GET
def type_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_agent(user) and not permissions.can_manage_request_types(user):
        raise PermissionDenied("Request types are managed by the catalogue's managers.")
    types = list(selectors.types_managed_by(user).order_by("offering__service__name", "name"))
    context = {
        "types": types,
        "can_create": _offerings_for(user).exists(),
        "manages_all": permissions.can_manage_request_types(user),
    }
    return render(request, "requests/type_list.html", context)


@login_required
@require_GET
def type_detail(request: HttpRequest, pk: int) -> HttpResponse:
    request_type = _type_for(request, pk, edit=False)
    schema = request_type.current_form.fields if request_type.current_form else []
    steps = list(request_type.approval_steps.select_related("team").prefetch_related("people"))
    context = {
        "request_type": request_type,
        "preview": RequestAnswersForm(schema),
        "schema": schema,
        "field_types": FIELD_TYPES,
        "steps": steps,
        "task_templates": list(request_type.task_templates.select_related("team")),
        "forms": list(request_type.forms.select_related("created_by").order_by("-number")),
        "can_edit": permissions.can_edit_request_type(request.user, request_type),
        "request_count": request_type.requests.count(),
        "estimate": lead_time.estimate(request_type, timezone.now()),
        "type_lead_time": lead_time.breakdown_per_type(
            request_type, timezone.now() - ESTIMATE_WINDOW, timezone.now()
        ),
    }
    return render(request, "requests/type_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def type_create(request: HttpRequest) -> HttpResponse:
    offerings = _offerings_for(request.user)
    if not offerings.exists():
        raise PermissionDenied(
            "Catalogue managers, request leaders and service owners create request types."
        )
    initial = {"offering": request.GET.get("offering")} if request.GET.get("offering") else {}
    form = RequestTypeForm(request.POST or None, offerings=offerings, initial=initial)
    if request.method == "POST" and form.is_valid():
        _, data = form.version_and_fields()
        created = run_service(form, do_create_request_type, actor=request.user, **data)
        if created:
            messages.success(request, f"{created} created: now build its form.")
            return redirect("requests:type_form", pk=created.pk)
    context = {"form": form, "request_type": None}
    return render(request, "requests/type_form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    request_type = _type_for(request, pk)
    offerings = _offerings_for(request.user)
    if not offerings.filter(pk=request_type.offering_id).exists():
        offerings = offerings | ServiceOffering.objects.filter(pk=request_type.offering_id)
    form = RequestTypeForm(
        request.POST or None, instance=detached(request_type), offerings=offerings
    )
    if request.method == "POST" and form.is_valid():
        version, data = form.version_and_fields()
        saved = run_service(
            form,
            do_update_request_type,
            request_type,
            actor=request.user,
            expected_version=version,
            **data,
        )
        if saved:
            messages.success(request, f"{saved} saved.")
            return redirect(saved)
    context = {"form": form, "request_type": request_type}
    return render(request, "requests/type_form.html", context, status=page_status(form))


def _save_rows(
    request: HttpRequest,
    request_type: RequestType,
    formset: forms.BaseFormSet,
    version_form: VersionForm,
    service: Callable[..., Any],
    rows: Callable[[], Any],
) -> bool:
    """Give the rows to the service; its refusals go on the rows they name."""
    if not (formset.is_valid() and version_form.is_valid()):
        return False
    try:
        service(
            request_type,
            rows(),
            actor=request.user,
            expected_version=version_form.cleaned_data["version"],
        )
    except StaleRecord as conflict:
        keep_input_after_conflict(version_form, conflict)
        return False
    except ValidationError as error:
        put_row_errors(formset, [m for ms in error.message_dict.values() for m in ms])
        return False
    return True


def _rows_page(
    request: HttpRequest,
    request_type: RequestType,
    formset: forms.BaseFormSet,
    version_form: VersionForm,
    template: str,
    **extra: Any,
) -> HttpResponse:
    refused = request.method == "POST"
    status = 409 if getattr(version_form, "conflict", None) else 400 if refused else 200
    context = {
        "request_type": request_type,
        "formset": formset,
        "version_form": version_form,
        **extra,
    }
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def type_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The form builder: one row per field; saved, a new form version."""
    request_type = _type_for(request, pk)
    current = request_type.current_form.fields if request_type.current_form else []
    if request.method == "POST":
        formset = FieldRowFormSet(request.POST, prefix="fields")
        version_form = VersionForm(request.POST)
        if _save_rows(
            request,
            request_type,
            formset,
            version_form,
            do_change_form,
            lambda: schema_from(formset),
        ):
            request_type.refresh_from_db()
            messages.success(
                request,
                f"Form saved: requesters now fill version {request_type.current_form.number}.",
            )
            return redirect(request_type)
    else:
        formset = FieldRowFormSet(
            initial=[{**row_initial(f), "ORDER": i} for i, f in enumerate(current, 1)],
            prefix="fields",
        )
        version_form = VersionForm(initial={"version": request_type.version})
    return _rows_page(
        request,
        request_type,
        formset,
        version_form,
        "requests/type_form_builder.html",
        type_settings=TYPE_SETTINGS,
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_steps(request: HttpRequest, pk: int) -> HttpResponse:
    request_type = _type_for(request, pk)
    if request.method == "POST":
        formset = StepRowFormSet(request.POST, prefix="steps")
        version_form = VersionForm(request.POST)
        if _save_rows(
            request,
            request_type,
            formset,
            version_form,
            do_set_approval_steps,
            lambda: [form.to_step() for form in formset.kept_forms()],
        ):
            messages.success(request, "Approval steps saved.")
            return redirect(f"{request_type.get_absolute_url()}#approval-steps")
    else:
        formset = StepRowFormSet(
            initial=[{**step, "ORDER": step["position"]} for step in describe_steps(request_type)],
            prefix="steps",
        )
        version_form = VersionForm(initial={"version": request_type.version})
    return _rows_page(request, request_type, formset, version_form, "requests/type_steps.html")


@login_required
@require_http_methods(["GET", "POST"])
def type_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    request_type = _type_for(request, pk)
    if request.method == "POST":
        formset = TaskRowFormSet(request.POST, prefix="tasks")
        version_form = VersionForm(request.POST)
        if _save_rows(
            request,
            request_type,
            formset,
            version_form,
            do_set_task_templates,
            lambda: [form.to_task() for form in formset.kept_forms()],
        ):
            messages.success(request, "Fulfilment tasks saved.")
            return redirect(f"{request_type.get_absolute_url()}#tasks")
    else:
        formset = TaskRowFormSet(initial=describe_tasks(request_type), prefix="tasks")
        version_form = VersionForm(initial={"version": request_type.version})
    return _rows_page(request, request_type, formset, version_form, "requests/type_tasks.html")
