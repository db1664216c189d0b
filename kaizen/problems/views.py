"""Problem pages: the list, raising, the problem page with its analysis, state, linked
incidents, comments and files.

Each view: authenticate, fetch through a selector (404 for a problem the user may not see),
check the permission (403), validate a form, call one service, redirect or re-render. The
candidates and the known-error database have their own view modules.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.catalog.ticket_sources import tickets_numbered, tickets_referencing
from kaizen.core.forms import (
    TicketAttachmentForm,
    TicketCommentForm,
    detached,
    page_status,
    pop_catalogue,
    run_service,
)
from kaizen.core.listing import list_page
from kaizen.core.ticket_views import attachment_response, post_attachment, post_comment
from kaizen.journal.selectors import timeline_for
from kaizen.journal.ticket_activity import max_attachment_bytes
from kaizen.people.permissions import can_view_timeline
from kaizen.problems import hooks
from kaizen.problems.filters import ProblemFilter
from kaizen.problems.forms import (
    AnalysisForm,
    LinkIncidentsForm,
    ProblemForm,
    TransitionForm,
    UnlinkIncidentForm,
)
from kaizen.problems.models import FOUR_PS, Problem, State
from kaizen.problems.permissions import (
    can_edit_problem,
    can_manage_problems,
    can_move_problem,
    can_work_problems,
)
from kaizen.problems.selectors import (
    attachment_for,
    attachments_for,
    comments_for,
    linked_incidents,
    problem_detail_for,
    problem_list_for,
)
from kaizen.problems.services.activity import do_add_problem_attachment, do_add_problem_comment
from kaizen.problems.services.lifecycle import allowed_targets, closure_codes_for, do_move_problem
from kaizen.problems.services.links import do_link_incidents, do_unlink_incident
from kaizen.problems.services.records import do_raise_problem, do_update_problem
from kaizen.sla.refresh import explain_ticket_clocks

SORTS = {
    "number": "number",
    "priority": "priority",
    "state": "state",
    "incidents": "incident_count",
    "opened": "opened_at",
    "updated": "updated_at",
}
# The words of each move's button.
MOVE_LABELS = {
    State.ASSESSED: "Assessed",
    State.ROOT_CAUSE_ANALYSIS: "Start root cause analysis",
    State.KNOWN_ERROR: "Known error",
    State.FIX_IN_PROGRESS: "Fix in progress",
    State.RESOLVED: "Resolved",
    State.CLOSED: "Close",
}
REOPEN_LABEL = "Re-open for re-analysis"


def _require_worker(request: HttpRequest) -> None:
    if not can_work_problems(request.user):
        raise PermissionDenied("Problems are worked by agents.")


def _problem_for(request: HttpRequest, number: str) -> Problem:
    _require_worker(request)
    return get_object_or_404(problem_detail_for(request.user), number=number)


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    listing = list_page(
        request,
        problem_list_for(request.user),
        ProblemFilter,
        sort_fields=SORTS,
        default_sort="-opened",
    )
    return render(request, "problems/list.html", listing.context())


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Raise a problem; `?incident=INC…` links that incident once it is raised."""
    _require_worker(request)
    incident = request.GET.get("incident", "").strip()
    initial: dict[str, Any] = {"owner": request.user if can_manage_problems(request.user) else None}
    row = tickets_numbered("incident", [incident]).get(incident) if incident else None
    if row is not None:
        initial.update({"statement": row.title, "category": row.category})
        if row.service_id:
            initial["services"] = [row.service_id]
        if row.configuration_item_id:
            initial["configuration_items"] = [row.configuration_item_id]
    form = ProblemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        problem = run_service(
            form, do_raise_problem, actor=request.user, **pop_catalogue(data), **data
        )
        if problem:
            if row is not None:
                do_link_incidents(problem, [row.number], actor=request.user)
            messages.success(request, f"{problem.number} raised.")
            return redirect(problem)
    context = {"form": form, "problem": None, "incident": row}
    return render(request, "problems/form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    if not can_edit_problem(request.user, problem):
        raise PermissionDenied("Problem managers, the problem's owner and its group edit it.")
    form = ProblemForm(request.POST or None, instance=detached(problem))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        saved = run_service(
            form,
            do_update_problem,
            problem,
            actor=request.user,
            expected_version=version,
            **pop_catalogue(data),
            **data,
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    context = {"form": form, "problem": problem}
    return render(request, "problems/form.html", context, status=page_status(form))


def _render_problem(request: HttpRequest, problem: Problem, **forms: Any) -> HttpResponse:
    user = request.user
    editable = can_edit_problem(user, problem) and problem.state != State.CLOSED
    movable = can_move_problem(user, problem)
    targets = allowed_targets(problem) if movable else []
    context: dict[str, Any] = {
        "problem": problem,
        "is_agent": True,
        "can_edit": editable,
        "can_link": problem.state != State.CLOSED,
        "four_ps": [
            (label, (problem.analysis or {}).get(key, []))
            for key, label in FOUR_PS
            if problem.analysis_method == "four_ps"
        ],
        "links": linked_incidents(problem),
        "fix_change": tickets_numbered("change", [problem.fix_change_number]).get(
            problem.fix_change_number
        )
        if problem.fix_change_number
        else None,
        "fix_effect": hooks.fix_effect(problem) if problem.resolved_at else None,
        # The improvement register takes the fix's effect as an initiative's evidence.
        "can_start_initiative": can_manage_problems(user),
        "changes": tickets_referencing("change", problem.number),
        "comments": list(comments_for(problem)),
        "attachments": list(attachments_for(problem)),
        "can_comment": problem.state != State.CLOSED,
        "can_attach": problem.state != State.CLOSED,
        "comment_form": forms.get("comment_form")
        or TicketCommentForm(agent=True, requester_word="people following it"),
        "attachment_form": forms.get("attachment_form") or TicketAttachmentForm(),
        "max_attachment_mb": max_attachment_bytes() // (1024 * 1024),
        "requester_word": "people following it",
        "analysis_form": forms.get("analysis_form")
        or (AnalysisForm(instance=detached(problem)) if editable else None),
        "link_form": forms.get("link_form") or LinkIncidentsForm(),
        "targets": [
            (
                target,
                REOPEN_LABEL
                if target == State.ROOT_CAUSE_ANALYSIS
                and problem.state in (State.RESOLVED, State.CLOSED)
                else MOVE_LABELS[target],
            )
            for target in targets
        ],
        "closure_codes": [
            (code, label)
            for code, label in Problem._meta.get_field("closure_code").choices
            if code in closure_codes_for(problem)
        ],
        "transition_form": forms.get("transition_form") or TransitionForm(),
        "failed_state": forms.get("failed_state", ""),
        "duplicates": list(problem.duplicates.only("number", "statement")),
    }
    if can_view_timeline(user):
        context["timeline"] = timeline_for(problem)
    # Shown only where problem targets apply (most sites set none).
    context["sla_clocks"] = explain_ticket_clocks(problem) if problem.sla_clocks.exists() else None
    status = page_status(*forms.values()) if forms else 200
    return render(request, "problems/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_problem(request, _problem_for(request, number))


@login_required
@require_POST
def analysis(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    if not can_edit_problem(request.user, problem):
        raise PermissionDenied("Problem managers, the problem's owner and its group edit it.")
    form = AnalysisForm(request.POST, instance=detached(problem))
    if form.is_valid():
        saved = run_service(
            form,
            do_update_problem,
            problem,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            **form.service_fields(),
        )
        if saved:
            messages.success(request, "Analysis saved.")
            return redirect(f"{saved.get_absolute_url()}#analysis")
    return _render_problem(request, problem, analysis_form=form)


@login_required
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    if not can_move_problem(request.user, problem):
        raise PermissionDenied("Problem managers and the problem's owner move it.")
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        moved = run_service(
            form,
            do_move_problem,
            problem,
            data["state"],
            actor=request.user,
            expected_version=data["version"],
            closure_code=data["closure_code"],
            duplicate_of=data["duplicate_of"],
            risk_review_on=data["risk_review_on"],
            reason=data["reason"],
            linked_incidents=data["linked_incidents"],
        )
        if moved:
            messages.success(request, f"{moved.number} is now {moved.get_state_display().lower()}.")
            return redirect(moved)
    failed = request.POST.get("state", "")
    return _render_problem(request, problem, transition_form=form, failed_state=failed)


@login_required
@require_POST
def link(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    form = LinkIncidentsForm(request.POST)
    if form.is_valid():
        links = run_service(
            form, do_link_incidents, problem, form.cleaned_data["incidents"], actor=request.user
        )
        if links is not None:
            count = len(links)
            messages.success(
                request,
                f"{count} incident{'s' if count != 1 else ''} linked."
                if count
                else "Those incidents were linked already.",
            )
            return redirect(f"{problem.get_absolute_url()}#incidents")
    return _render_problem(request, problem, link_form=form)


@login_required
@require_POST
def unlink(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    form = UnlinkIncidentForm(request.POST)
    if form.is_valid():
        incident = form.cleaned_data["incident"]
        run_service(form, do_unlink_incident, problem, incident, actor=request.user)
        if not form.errors:
            messages.success(request, f"{incident} unlinked.")
            return redirect(f"{problem.get_absolute_url()}#incidents")
    messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{problem.get_absolute_url()}#incidents")


@login_required
@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    return post_comment(
        request,
        problem,
        agent=True,
        add_comment=do_add_problem_comment,
        render_page=_render_problem,
        requester_word="people following it",
    )


@login_required
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    problem = _problem_for(request, number)
    return post_attachment(
        request, problem, add_attachment=do_add_problem_attachment, render_page=_render_problem
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    _require_worker(request)
    return attachment_response(attachment_for(request.user, pk))
