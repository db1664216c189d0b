"""Change pages: the list, raising (normal, emergency, standard), the change page and its
actions, and the standard change catalogue.

Each view: authenticate, fetch through a selector (404 for a change the user may not see),
check the permission (403), validate a form, call one service, redirect or re-render. The
authorisation (CAB), calendar and risk parts have their own view modules and panels.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.changes import cab_views, calendar_views, risk_views, services
from kaizen.changes.filters import ChangeFilter
from kaizen.changes.forms import (
    CausedDecisionForm,
    CausedIncidentForm,
    ChangeForm,
    ReviewForm,
    StandardChangeForm,
    TemplateDecisionForm,
    TemplateForm,
    TransitionForm,
)
from kaizen.changes.models import CausedIncident, Change, ChangeTemplate, TemplateStatus
from kaizen.changes.permissions import (
    can_comment_on_change,
    can_manage_change_catalogue,
    can_raise_change,
    can_work_changes,
)
from kaizen.changes.selectors import (
    attachment_for,
    attachments_for,
    change_detail_for,
    changes_for,
    comments_for,
    template_records,
    templates_for,
)
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
from kaizen.sla.refresh import explain_ticket_clocks

SORTS = {
    "number": "number",
    "priority": "priority",
    "risk": "risk",
    "state": "state",
    "type": "change_type",
    "planned_start": "planned_start",
    "opened": "opened_at",
    "updated": "updated_at",
}
LIST_RELATED = ("requester", "assignment_group", "implementer", "category")


# -- helpers ------------------------------------------------------------------------------


def _change_for(request: HttpRequest, number: str) -> Change:
    return get_object_or_404(change_detail_for(request.user), number=number)


def _require_worker(request: HttpRequest) -> None:
    if not can_work_changes(request.user):
        raise PermissionDenied("Changes are raised and worked by agents.")


def _workable(request: HttpRequest, number: str) -> Change:
    change = _change_for(request, number)
    _require_worker(request)
    return change


# -- lists --------------------------------------------------------------------------------


@login_required
@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    """Agents and CAB members see every change; a requester the changes they raised."""
    listing = list_page(
        request,
        changes_for(request.user).select_related(*LIST_RELATED),
        ChangeFilter,
        sort_fields=SORTS,
        default_sort="-opened",
    )
    context = {**listing.context(), "can_raise": can_raise_change(request.user)}
    return render(request, "changes/list.html", context)


# -- raising and editing ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Raise a normal or emergency change (a standard one comes from its template)."""
    if not can_raise_change(request.user):
        raise PermissionDenied("Changes are raised by agents.")
    # "Raise a change for the fix" on a problem's page names the problem.
    initial = {"owner": request.user, "problem_reference": request.GET.get("problem", "")[:60]}
    form = ChangeForm(request.POST or None, raising=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        if data.get("requester") is None:
            data["requester"] = request.user
        change = run_service(
            form, services.do_raise_change, actor=request.user, **pop_catalogue(data), **data
        )
        if change:
            messages.success(request, f"{change.number} raised as a draft.")
            return redirect(change)
    context = {"form": form, "change": None}
    return render(request, "changes/form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def create_standard(request: HttpRequest) -> HttpResponse:
    if not can_raise_change(request.user):
        raise PermissionDenied("Changes are raised by agents.")
    initial: dict[str, Any] = {}
    if request.GET.get("template"):
        initial["template"] = request.GET["template"]
    form = StandardChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        change = run_service(
            form,
            services.do_raise_change,
            actor=request.user,
            change_type="standard",
            **form.cleaned_data,
        )
        if change:
            messages.success(request, f"{change.number} raised from {change.template}.")
            return redirect(change)
    context = {"form": form}
    return render(request, "changes/standard_form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, number: str) -> HttpResponse:
    change = _workable(request, number)
    form = ChangeForm(request.POST or None, instance=detached(change))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        saved = run_service(
            form,
            services.do_update_change,
            change,
            actor=request.user,
            expected_version=version,
            **pop_catalogue(data),
            **data,
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    context = {"form": form, "change": change}
    return render(request, "changes/form.html", context, status=page_status(form))


# -- the change page and its actions ------------------------------------------------------


def _render_change(request: HttpRequest, change: Change, **forms: Any) -> HttpResponse:
    user = request.user
    worker = can_work_changes(user)
    context: dict[str, Any] = {
        "change": change,
        "is_agent": worker,
        "comments": list(comments_for(user, change)),
        "attachments": list(attachments_for(change)),
        "can_comment": can_comment_on_change(user, change) and not change.is_final,
        "can_attach": can_comment_on_change(user, change) and not change.is_final,
        "comment_form": forms.get("comment_form")
        or TicketCommentForm(agent=worker, requester_word="requester"),
        "attachment_form": forms.get("attachment_form") or TicketAttachmentForm(),
        "max_attachment_mb": max_attachment_bytes() // (1024 * 1024),
        "requester_word": "requester",
        "caused": list(change.caused_incidents.select_related("decided_by")),
        "caused_hours": settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS,
        # The problem it fixes, linked when problem management knows it.
        "problem": tickets_numbered("problem", [change.problem_reference]).get(
            change.problem_reference
        )
        if change.problem_reference
        else None,
    }
    if worker:
        targets = services.allowed_targets(change)
        context.update(
            {
                "targets": [(target, services.MOVE_LABELS[target]) for target in targets],
                "transition_form": forms.get("transition_form") or TransitionForm(),
                "failed_state": forms.get("failed_state", ""),
                "review_form": forms.get("review_form")
                or ReviewForm(
                    initial={
                        "objectives_met": {True: "yes", False: "no"}.get(change.objectives_met),
                        "lessons_learned": change.lessons_learned,
                    }
                ),
                "caused_form": forms.get("caused_form") or CausedIncidentForm(),
            }
        )
    if can_view_timeline(user):
        context["timeline"] = timeline_for(change)
    # Shown to agents, only where change targets apply (many sites set none).
    has_clocks = worker and change.sla_clocks.exists()
    context["sla_clocks"] = explain_ticket_clocks(change) if has_clocks else None
    # The parts' panels (authorisation by the CAB, schedule and conflicts, risk and its
    # evidence): each gives the context its panel template reads.
    for panel in (
        cab_views.authorisation_panel,
        calendar_views.schedule_panel,
        risk_views.risk_panel,
    ):
        context.update(panel(request, change))
    status = page_status(*forms.values()) if forms else 200
    return render(request, "changes/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_change(request, _change_for(request, number))


@login_required
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    change = _workable(request, number)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        moved = run_service(
            form,
            services.do_move_change,
            change,
            data["state"],
            actor=request.user,
            expected_version=data["version"],
            closure_code=data["closure_code"],
            closure_notes=data["closure_notes"],
            actual=data["actual"],
        )
        if moved:
            messages.success(request, f"{moved.number} is now {moved.get_state_display().lower()}.")
            return redirect(moved)
    failed = request.POST.get("state", "")
    return _render_change(request, change, transition_form=form, failed_state=failed)


@login_required
@require_POST
def review(request: HttpRequest, number: str) -> HttpResponse:
    change = _workable(request, number)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reviewed = run_service(
            form,
            services.do_record_review,
            change,
            objectives_met=data["objectives_met"],
            lessons_learned=data["lessons_learned"],
            actor=request.user,
            expected_version=data["version"],
        )
        if reviewed:
            messages.success(request, "Post-implementation review recorded.")
            return redirect(f"{reviewed.get_absolute_url()}#review")
    return _render_change(request, change, review_form=form)


@login_required
@require_POST
def caused_add(request: HttpRequest, number: str) -> HttpResponse:
    change = _workable(request, number)
    form = CausedIncidentForm(request.POST)
    if form.is_valid():
        link = run_service(
            form,
            services.do_link_caused_incident,
            change,
            form.cleaned_data["incident"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if link:
            messages.success(request, f"{link.incident_number} recorded as caused by this change.")
            return redirect(f"{change.get_absolute_url()}#caused")
    return _render_change(request, change, caused_form=form)


@login_required
@require_POST
def caused_decide(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    change = _workable(request, number)
    link = get_object_or_404(CausedIncident, pk=pk, change=change)
    form = CausedDecisionForm(request.POST)
    if form.is_valid():
        decided = run_service(
            form,
            services.do_decide_caused_incident,
            link,
            confirmed=form.cleaned_data["decision"] == "confirm",
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if decided:
            messages.success(
                request, f"{decided.incident_number}: {decided.get_status_display().lower()}."
            )
            return redirect(f"{change.get_absolute_url()}#caused")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"{link.incident_number}: {error}")
    return redirect(f"{change.get_absolute_url()}#caused")


@login_required
@require_POST
def caused_propose(request: HttpRequest, number: str) -> HttpResponse:
    """Look again for incidents on the change's services and CIs after its implementation."""
    change = _workable(request, number)
    found = services.do_propose_caused_incidents(change)
    count = len(found)
    messages.info(
        request,
        f"{count} new candidate{'s' if count != 1 else ''} found."
        if count
        else "No new incidents on the affected services or CIs in the window.",
    )
    return redirect(f"{change.get_absolute_url()}#caused")


@login_required
@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    change = _change_for(request, number)
    if not can_comment_on_change(request.user, change):
        raise PermissionDenied("Only agents and the requester comment on a change.")
    return post_comment(
        request,
        change,
        agent=can_work_changes(request.user),
        add_comment=services.do_add_change_comment,
        render_page=_render_change,
        requester_word="requester",
    )


@login_required
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    change = _change_for(request, number)
    if not can_comment_on_change(request.user, change):
        raise PermissionDenied("Only agents and the requester add files to a change.")
    return post_attachment(
        request,
        change,
        add_attachment=services.do_add_change_attachment,
        render_page=_render_change,
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Files are served only to people who may see their change (404 for anyone else)."""
    return attachment_response(attachment_for(request.user, pk))


# -- the standard change catalogue --------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    templates = list(templates_for(request.user).order_by("name", "-version_number"))
    records = template_records([t.pk for t in templates])
    for template in templates:
        template.record = records[template.pk]
    context = {
        "approved": [t for t in templates if t.status == TemplateStatus.APPROVED],
        "proposed": [t for t in templates if t.status == TemplateStatus.PROPOSED],
        "others": [
            t for t in templates if t.status in (TemplateStatus.RETIRED, TemplateStatus.REJECTED)
        ],
        "can_decide": can_manage_change_catalogue(request.user),
    }
    return render(request, "changes/template_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_propose(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Propose a new standard change, or a new version of one (`pk`: the version revised)."""
    _require_worker(request)
    revises = get_object_or_404(templates_for(request.user), pk=pk) if pk else None
    form = TemplateForm(request.POST or None, instance=detached(revises) if revises else None)
    if revises is not None and request.method != "POST":
        form.fields["services"].initial = list(revises.services.all())
        form.fields["configuration_items"].initial = list(revises.configuration_items.all())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        template = run_service(
            form,
            services.do_propose_template,
            actor=request.user,
            revises=revises,
            **pop_catalogue(data),
            **data,
        )
        if template:
            messages.success(request, f"{template} proposed: a change manager decides on it.")
            return redirect(template)
    context = {"form": form, "revises": revises}
    return render(request, "changes/template_form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_worker(request)
    template = get_object_or_404(templates_for(request.user), pk=pk)
    can_decide = can_manage_change_catalogue(request.user)
    form = TemplateDecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied("Change managers decide on standard changes.")
        if form.is_valid():
            decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
            if decision == "retire":
                done = run_service(
                    form, services.do_retire_template, template, actor=request.user, reason=note
                )
            else:
                done = run_service(
                    form,
                    services.do_decide_template,
                    template,
                    approve=decision == "approve",
                    actor=request.user,
                    note=note,
                )
            if done:
                messages.success(request, f"{done} is now {done.get_status_display().lower()}.")
                return redirect(done)
    versions = ChangeTemplate.objects.filter(key=template.key).order_by("-version_number")
    context = {
        "template": template,
        "versions": versions,
        "record": template_records([template.pk]).get(template.pk),
        "recent_changes": template.changes.order_by("-opened_at")[:20],
        "can_decide": can_decide,
        "decision_form": form,
    }
    return render(request, "changes/template_detail.html", context, status=page_status(form))
