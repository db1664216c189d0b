"""The fulfilment pages: the agents' task queue and a task's page with its actions.

Each view: authenticate, fetch through task_selectors (404 for a task the user may not see),
validate a form, call one service, redirect or show the page again with the form's errors
(409 after a conflict, 400 for a refused form).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET, require_POST

from kaizen.core.errors import Conflict
from kaizen.core.forms import page_status, run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.permissions import can_view_timeline
from kaizen.requests.form_schema import describe_answers
from kaizen.requests.models import FulfilmentTask, TaskState
from kaizen.requests.permissions import can_work_requests
from kaizen.requests.services import tasks as services
from kaizen.requests.task_filters import TaskQueueFilter, default_states
from kaizen.requests.task_forms import (
    AssignTaskForm,
    CompleteTaskForm,
    FailTaskForm,
    HoldTaskForm,
    TaskActionForm,
    TaskNoteForm,
)
from kaizen.requests.task_selectors import QUEUE_FIELDS, task_detail_for, tasks_for
from kaizen.sla.refresh import explain_ticket_clocks

SORTS = {
    "due": "sla_due_at",
    "number": "number",
    "state": "state",
    "team": "assignment_group__name",
    "ready": "ready_at",
    "updated": "updated_at",
}
FORMS: dict[str, type[TaskActionForm]] = {
    "start": TaskActionForm,
    "resume": TaskActionForm,
    "hold": HoldTaskForm,
    "complete": CompleteTaskForm,
    "fail": FailTaskForm,
}
DONE_MESSAGES = {
    "start": "{number} is in progress.",
    "resume": "{number} is in progress again.",
    "hold": "{number} is on hold.",
    "complete": "{number} is done.",
    "fail": "{number} could not be done: its request has failed.",
}


def _require_agent(request: HttpRequest) -> None:
    if not can_work_requests(request.user):
        raise PermissionDenied("Fulfilment tasks are worked by agents.")


def _task_for(request: HttpRequest, number: str) -> FulfilmentTask:
    _require_agent(request)
    return get_object_or_404(task_detail_for(request.user), number=number)


def _queue_rows(page: Any) -> Any:
    return page.select_related("request__requested_for", "assignment_group", "assignee").only(
        *QUEUE_FIELDS
    )


@login_required
@require_GET
def task_queue(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    listing = list_page(
        request,
        default_states(tasks_for(request.user), request.GET),
        TaskQueueFilter,
        sort_fields=SORTS,
        default_sort="due",
        page_rows=_queue_rows,
    )
    return render(request, "requests/tasks/queue.html", listing.context())


def _request_url(service_request: Any) -> str | None:
    """The request's page (portal_urls.py); None while no page is routed for it (the task
    pages work without the portal's)."""
    try:
        return service_request.get_absolute_url()
    except NoReverseMatch:
        return None


def _render_task(request: HttpRequest, task: FulfilmentTask, **forms: Any) -> HttpResponse:
    user = request.user
    service_request = task.request
    form_fields = service_request.form_version.fields if service_request.form_version else []
    version = {"version": task.version}
    actions = services.allowed_task_targets(task) if task.request.is_open else []
    context: dict[str, Any] = {
        "task": task,
        "service_request": service_request,
        "request_url": _request_url(service_request),
        "answers": describe_answers(form_fields, service_request.answers),
        "siblings": list(
            service_request.tasks.select_related("assignment_group", "assignee").order_by(
                "position", "id"
            )
        ),
        "can_start": TaskState.IN_PROGRESS in actions and task.state == TaskState.OPEN,
        "can_resume": TaskState.IN_PROGRESS in actions and task.state == TaskState.ON_HOLD,
        "can_hold": TaskState.ON_HOLD in actions,
        "can_complete": TaskState.DONE in actions,
        "can_fail": TaskState.FAILED in actions,
        "can_assign": task.is_open and service_request.is_open,
        "action_form": forms.get("action_form") or TaskActionForm(initial=version),
        "hold_form": forms.get("hold_form") or HoldTaskForm(initial=version),
        "complete_form": forms.get("complete_form") or CompleteTaskForm(initial=version),
        "fail_form": forms.get("fail_form") or FailTaskForm(initial=version),
        "assign_form": forms.get("assign_form")
        or AssignTaskForm(
            initial={
                **version,
                "assignment_group": task.assignment_group_id,
                "assignee": task.assignee_id,
            }
        ),
        "note_form": forms.get("note_form") or TaskNoteForm(),
        "notes": services.task_notes(task),
        "sla_clocks": explain_ticket_clocks(task),
    }
    # A refused form whose panel the task's new state no longer shows (e.g. completing a task
    # someone else completed meanwhile) says why at the top of the page.
    shown = {
        "action_form": context["can_start"] or context["can_resume"],
        "hold_form": context["can_hold"],
        "complete_form": context["can_complete"],
        "fail_form": context["can_fail"],
        "assign_form": context["can_assign"],
        "note_form": True,
    }
    context["refusals"] = [
        error
        for name, form in forms.items()
        if not shown.get(name, True)
        for error in form.non_field_errors()
    ]
    if can_view_timeline(user):
        context["timeline"] = timeline_for(task)
    return render(
        request, "requests/tasks/detail.html", context, status=page_status(*forms.values())
    )


@login_required
@require_GET
def task_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_task(request, _task_for(request, number))


def _call(form: Any, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """run_service, with a refusal because of the task's or request's state on the form."""
    try:
        return run_service(form, function, *args, **kwargs)
    except Conflict as refused:
        form.add_error(None, str(refused))
        form.conflict = True
        return None


FORM_NAMES = {
    "start": "action_form",
    "resume": "action_form",
    "hold": "hold_form",
    "complete": "complete_form",
    "fail": "fail_form",
}


@login_required
@require_POST
def task_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    task = _task_for(request, number)
    if action not in FORMS:
        return HttpResponse("No such action.", status=404)
    form = FORMS[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "expected_version": data["version"]}
        if action == "start":
            done = _call(form, services.do_start_task, task, **common)
        elif action == "resume":
            done = _call(form, services.do_resume_task, task, **common)
        elif action == "hold":
            done = _call(form, services.do_hold_task, task, data["hold_reason"], **common)
        elif action == "complete":
            done = _call(form, services.do_complete_task, task, note=data["note"], **common)
        else:
            done = _call(form, services.do_fail_task, task, data["reason"], **common)
        if done is not None:
            messages.success(request, DONE_MESSAGES[action].format(number=task.number))
            return redirect(task)
    task = _task_for(request, number)
    return _render_task(request, task, **{FORM_NAMES[action]: form})


@login_required
@require_POST
def task_assign(request: HttpRequest, number: str) -> HttpResponse:
    task = _task_for(request, number)
    form = AssignTaskForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = _call(
            form,
            services.do_assign_task,
            task,
            actor=request.user,
            expected_version=data["version"],
            assignment_group=data["assignment_group"],
            assignee=data["assignee"],
        )
        if done is not None:
            who = done.assignee or done.assignment_group
            messages.success(request, f"{done.number} is assigned to {who}.")
            return redirect(done)
    return _render_task(request, _task_for(request, number), assign_form=form)


@login_required
@require_POST
def task_note(request: HttpRequest, number: str) -> HttpResponse:
    task = _task_for(request, number)
    form = TaskNoteForm(request.POST)
    if form.is_valid() and _call(
        form, services.do_add_task_note, task, form.cleaned_data["note"], actor=request.user
    ):
        messages.success(request, "Work note added.")
        return redirect(f"{task.get_absolute_url()}#notes")
    return _render_task(request, task, note_form=form)
