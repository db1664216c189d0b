"""Incident pages: agents' queues and incident page, the requesters' portal, the matrix.

Each view: authenticate, fetch through a selector (404 for an incident the user may not
see), check the permission (403), validate a form, call one service, redirect or re-render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import conflict_status, detached, run_service, show_errors
from kaizen.core.listing import capped_counts, list_page
from kaizen.core.ticket_panels import rendered_panels
from kaizen.core.ticket_views import attachment_response, post_attachment, post_comment
from kaizen.core.widgets import share_model_choices
from kaizen.incidents import services
from kaizen.incidents.filters import IncidentFilter, MyIncidentFilter
from kaizen.incidents.forms import (
    AssignForm,
    AttachmentForm,
    BulkForm,
    CommentForm,
    HoldReasonForm,
    IncidentForm,
    PortalIncidentForm,
    PriorityMatrixForm,
    TransitionForm,
)
from kaizen.incidents.models import Channel, Incident
from kaizen.incidents.permissions import (
    can_attach_to_incident,
    can_comment_on_incident,
    can_manage_priority_matrix,
    can_see_incident_timeline,
    can_work_incidents,
)
from kaizen.incidents.queue_table import ROW_FIELDS, queue_rows
from kaizen.incidents.selectors import (
    QUEUES,
    attachment_for,
    attachments_for,
    breaching_halves,
    comments_for,
    incident_detail_for,
    incidents_for,
    queue,
)
from kaizen.journal.selectors import timeline_for
from kaizen.people.models import User
from kaizen.sla.refresh import explain_ticket_clocks

SORTS = {
    "number": "number",
    "priority": "priority",
    "state": "state",
    "service": "service__name",
    "group": "assignment_group__name",
    "assignee": "assignee__last_name",
    "sla_due": "sla_due_at",
    "opened": "opened_at",
    "updated": "updated_at",
}
QUEUE_DEFAULT_SORT = {"breaching": "sla_due", "breached": "sla_due", "all": "-opened"}
MY_SORTS = {"number": "number", "state": "state", "opened": "opened_at", "updated": "updated_at"}


# -- helpers ------------------------------------------------------------------------------


def _incident_for(request: HttpRequest, number: str) -> Incident:
    """The incident if this user may see it; 404 otherwise (no hint that it exists)."""
    return get_object_or_404(incident_detail_for(request.user), number=number)


def _require_agent(request: HttpRequest) -> None:
    if not can_work_incidents(request.user):
        raise PermissionDenied("Incidents are worked by agents.")


def _workable(request: HttpRequest, number: str) -> Incident:
    incident = _incident_for(request, number)
    _require_agent(request)
    return incident


# -- lists --------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if can_work_incidents(request.user):
        return redirect("incidents:queue", "mine")
    return redirect("incidents:my_list")


# Tab badges count up to this many: past it a backlog is "999+", and counting every row of a
# huge queue on every page load is what made the queue page slow at a million incidents.
TAB_COUNT_CAP = 999


def _queue_counts(user: User) -> dict[str, int]:
    """The tab badges, in one query.

    "Breaching soon" is counted as its two disjoint halves (selectors.breaching_halves):
    PostgreSQL answers that queue's OR with a BitmapOr, which reads every matching index entry
    before a LIMIT applies (40 ms for a backlog of 50,000 warnings), while each half on its own
    is a range of the incident_sla_state index that stops at the cap. "Breached" is one range
    of that index too.
    """
    visible = incidents_for(user)
    lists = {
        name: queue(visible, name, user) for name in QUEUES if name not in ("all", "breaching")
    }
    due_soon, warning = breaching_halves(visible)
    counts = capped_counts({**lists, "due_soon": due_soon, "warning": warning}, TAB_COUNT_CAP)
    breaching = counts.pop("due_soon") + counts.pop("warning")
    return {**counts, "breaching": min(breaching, TAB_COUNT_CAP + 1)}


@login_required
@require_GET
def queue_list(request: HttpRequest, name: str) -> HttpResponse:
    _require_agent(request)
    if name not in QUEUES:
        raise Http404("No such queue.")
    user = request.user
    listing = list_page(
        request,
        queue(incidents_for(user), name, user),
        IncidentFilter,
        sort_fields=SORTS,
        default_sort=QUEUE_DEFAULT_SORT.get(name, "priority"),
        page_rows=lambda page: page.values(*ROW_FIELDS),
    )
    counts = _queue_counts(user)
    tabs = [
        {"name": key, "label": label, "count": counts.get(key), "active": key == name}
        for key, label in QUEUES.items()
    ]
    bulk_form = BulkForm(incidents=Incident.objects.none())
    # The filter bar and the bulk bar both list every agent and every team.
    share_model_choices(listing.filterset.form, bulk_form)
    context = {
        **listing.context(),
        "queue": name,
        "queue_label": QUEUES[name],
        "queue_rows": queue_rows(listing.page.object_list),
        "tab_count_cap": TAB_COUNT_CAP,
        "tabs": tabs,
        "bulk_form": bulk_form,
    }
    return render(request, "incidents/queue.html", context)


@login_required
@require_GET
def my_list(request: HttpRequest) -> HttpResponse:
    """The incidents I reported (for agents too: their own problems)."""
    listing = list_page(
        request,
        Incident.objects.filter(caller=request.user).select_related("service"),
        MyIncidentFilter,
        sort_fields=MY_SORTS,
        default_sort="-updated",
    )
    return render(request, "incidents/my_list.html", listing.context())


def _redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    form = BulkForm(request.POST, incidents=incidents_for(request.user))
    back = reverse("incidents:queue", args=["mine"])
    if not form.is_valid():
        show_errors(request, form)
        return _redirect_back(request, back)
    data = form.cleaned_data
    incidents = data["incidents"].order_by("number")
    common = {"actor": request.user, "versions": form.versions()}
    if data["action"] == "assign":
        result = services.do_bulk_assign_incidents(
            incidents,
            assignment_group=data["assignment_group"],
            assignee=data["assignee"],
            **common,
        )
        done = "Assigned {incidents}."
    elif data["action"] == "hold_reason":
        result = services.do_bulk_change_incident_on_hold_reason(
            incidents, data["new_on_hold_reason"], **common
        )
        done = "Changed the on-hold reason of {incidents}."
    else:
        result = services.do_bulk_change_incident_state(
            incidents,
            data["state"],
            on_hold_reason=data["on_hold_reason"],
            resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"],
            **common,
        )
        done = "Moved {incidents}."
    if result.done:
        count = len(result.done)
        messages.success(
            request, done.format(incidents=f"{count} incident{'s' if count != 1 else ''}")
        )
    for incident, problem in result.failed:
        messages.error(request, f"{incident.number}: {problem}")
    return _redirect_back(request, back)


# -- opening and editing ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The portal: anyone reports an incident of their own."""
    form = PortalIncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        incident = run_service(
            form,
            services.do_open_incident,
            actor=request.user,
            caller=request.user,
            channel=Channel.SELF_SERVICE,
            **form.cleaned_data,
        )
        if incident:
            messages.success(
                request, f"Thank you: {incident.number} is recorded and the service desk is on it."
            )
            return redirect(incident)
    context = {"form": form, "panels": rendered_panels("incident", "report", request)}
    return render(request, "incidents/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    form = IncidentForm(request.POST or None, initial={"channel": Channel.PHONE})
    if request.method == "POST" and form.is_valid():
        incident = run_service(
            form, services.do_open_incident, actor=request.user, **form.cleaned_data
        )
        if incident:
            messages.success(request, f"{incident.number} opened.")
            return redirect(incident)
    panels = rendered_panels("incident", "form", request)
    return render(
        request, "incidents/form.html", {"form": form, "incident": None, "panels": panels}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, number: str) -> HttpResponse:
    incident = _workable(request, number)
    form = IncidentForm(request.POST or None, instance=detached(incident))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        saved = run_service(
            form,
            services.do_update_incident,
            incident,
            actor=request.user,
            expected_version=version,
            **fields,
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    panels = rendered_panels("incident", "form", request, incident)
    context = {"form": form, "incident": incident, "panels": panels}
    return render(request, "incidents/form.html", context, status=conflict_status(form))


# -- the incident page and its actions ----------------------------------------------------


def _render_incident(request: HttpRequest, incident: Incident, **forms: Any) -> HttpResponse:
    """The incident page: the agents' view or the caller's, with any bound form that failed."""
    user = request.user
    agent = can_work_incidents(user)
    context: dict[str, Any] = {
        "incident": incident,
        "is_agent": agent,
        "comments": list(comments_for(user, incident)),
        "attachments": list(attachments_for(user, incident)),
        "can_comment": can_comment_on_incident(user, incident) and not incident.is_final,
        "can_attach": can_attach_to_incident(user, incident) and not incident.is_final,
        "comment_form": forms.get("comment_form") or CommentForm(agent=agent),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "max_attachment_mb": services.max_attachment_bytes() // (1024 * 1024),
        "auto_close_at": services.auto_close_at(incident),
    }
    if agent:
        targets = services.allowed_targets(incident)
        context.update(
            targets=targets,
            transition_form=forms.get("transition_form") or TransitionForm(),
            failed_state=forms["transition_form"].data.get("state")
            if forms.get("transition_form")
            else "",
            hold_reason_form=forms.get("hold_reason_form") or HoldReasonForm(),
            assign_form=forms.get("assign_form")
            or AssignForm(
                initial={
                    "assignment_group": incident.assignment_group_id,
                    "assignee": incident.assignee_id,
                }
            ),
        )
    if can_see_incident_timeline(user):
        context["timeline"] = timeline_for(incident)
    if agent:
        context["sla_clocks"] = explain_ticket_clocks(incident)
        context["panels"] = rendered_panels("incident", "detail", request, incident)
    template = "incidents/detail.html" if agent else "incidents/portal_detail.html"
    return render(request, template, context, status=conflict_status(*forms.values()))


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_incident(request, _incident_for(request, number))


@login_required
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    incident = _workable(request, number)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        moved = run_service(
            form,
            services.do_change_incident_state,
            incident,
            data["state"],
            actor=request.user,
            expected_version=data["version"],
            on_hold_reason=data["on_hold_reason"],
            resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"],
        )
        if moved:
            messages.success(request, f"{moved.number} is now {moved.get_state_display().lower()}.")
            return redirect(moved)
    return _render_incident(request, incident, transition_form=form)


@login_required
@require_POST
def hold_reason(request: HttpRequest, number: str) -> HttpResponse:
    """Change what an incident on hold waits for; it stays on hold."""
    incident = _workable(request, number)
    form = HoldReasonForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changed = run_service(
            form,
            services.do_change_incident_on_hold_reason,
            incident,
            data["on_hold_reason"],
            actor=request.user,
            expected_version=data["version"],
        )
        if changed:
            waiting = changed.get_on_hold_reason_display().lower()
            messages.success(request, f"{changed.number} is on hold: {waiting}.")
            return redirect(changed)
    return _render_incident(request, incident, hold_reason_form=form)


@login_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    incident = _workable(request, number)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        assigned = run_service(
            form,
            services.do_assign_incident,
            incident,
            assignment_group=data["assignment_group"],
            assignee=data["assignee"],
            actor=request.user,
            expected_version=data["version"],
        )
        if assigned:
            who = assigned.assignee or assigned.assignment_group or "nobody"
            messages.success(request, f"{assigned.number} is assigned to {who}.")
            return redirect(assigned)
    return _render_incident(request, incident, assign_form=form)


@login_required
@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    incident = _incident_for(request, number)
    if not can_comment_on_incident(request.user, incident):
        raise PermissionDenied("Only agents and the caller comment on an incident.")
    return post_comment(
        request,
        incident,
        agent=can_work_incidents(request.user),
        add_comment=services.do_add_incident_comment,
        render_page=_render_incident,
    )


@login_required
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    incident = _incident_for(request, number)
    if not can_attach_to_incident(request.user, incident):
        raise PermissionDenied("Only agents and the caller add files to an incident.")
    return post_attachment(
        request,
        incident,
        add_attachment=services.do_add_incident_attachment,
        render_page=_render_incident,
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Files are served only to people who may see their incident (404 for anyone else)."""
    return attachment_response(attachment_for(request.user, pk))


# -- configuration ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def priority_matrix(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    may_edit = can_manage_priority_matrix(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied("The incident process owner and manager set the priority matrix.")
    form = PriorityMatrixForm(request.POST or None, cells=services.matrix_cells())
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        changed = services.do_update_priority_matrix(form.cells(), actor=request.user)
        count = len(changed)
        messages.success(
            request,
            f"Priority matrix saved: {count} cell{'s' if count != 1 else ''} changed."
            if changed
            else "Nothing changed.",
        )
        return redirect("incidents:priority_matrix")
    return render(request, "incidents/priority_matrix.html", {"form": form, "may_edit": may_edit})
