"""Authorisation by the change advisory board: the approval inbox, votes, delegations, approval
policies and CAB meetings (pages), and the authorisation panel of the change page.

Agents and CAB members read; approvers vote (their own vote, or as a delegate); change managers
and administrators edit policies and keep the meetings. Requesters get 403 (on the change page
they only see where the authorisation stands). Every write goes through the services.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.changes import cab_selectors as selectors
from kaizen.changes.cab_filters import MeetingFilter
from kaizen.changes.cab_forms import (
    AgendaDecisionForm,
    AgendaFilterForm,
    DelegationForm,
    MeetingForm,
    MeetingUpdateForm,
    PolicyForm,
    ScheduleForm,
    VoteForm,
)
from kaizen.changes.models import (
    AgendaItem,
    ApprovalPolicy,
    CabSchedule,
    Change,
    Delegation,
    Fallback,
    MeetingStatus,
)
from kaizen.changes.permissions import (
    can_delegate_approvals,
    can_manage_approvals,
    can_view_approvals,
)
from kaizen.changes.selectors import changes_for
from kaizen.changes.services import approvals, meetings, policies, quorum
from kaizen.core.forms import run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.models import User

# -- helpers ------------------------------------------------------------------------------------


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_approvals(request.user):
        raise PermissionDenied("Authorisation is for agents and CAB members.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_approvals(request.user):
        raise PermissionDenied("The change managers keep the approval policies and CAB meetings.")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def explain_round(approval_round: Any) -> list[dict[str, Any]]:
    """The round's groups in words, with their approvers and votes (no query: the approvers
    are prefetched)."""
    states = approvals.group_states(approval_round, list(approval_round.approvers.all()))
    return [
        {
            "label": approvals.GROUP_LABELS[state.group],
            "progress": quorum.progress_text(state.rule, state.tally),
            "approvers": state.approvers,
        }
        for state in states
    ]


# -- the change page's panel --------------------------------------------------------------------


def authorisation_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_authorisation_panel.html on the change page."""
    if not change.needs_authorisation:
        return {"authorisation": None}
    approval_round = selectors.latest_round(change)
    now = timezone.now()
    insider = can_view_approvals(request.user)
    return {
        "authorisation": {
            "round": approval_round,
            "groups": explain_round(approval_round) if approval_round else [],
            "ballots": selectors.ballots(request.user, approval_round, now) if insider else [],
            "show_comments": insider,
            "now": now,
            "escalate": Fallback.ESCALATE,
        },
        "vote_form": VoteForm(),
    }


# -- votes and the inbox ------------------------------------------------------------------------


@login_required
@require_POST
def vote(request: HttpRequest, number: str) -> HttpResponse:
    change = get_object_or_404(changes_for(request.user), number=number)
    _require_viewer(request)
    form = VoteForm(request.POST)
    default = change.get_absolute_url() + "#authorisation"
    if not form.is_valid():
        messages.error(request, "Choose approve, reject or abstain.")
        return _back(request, default)
    on_behalf_of = None
    if form.cleaned_data["on_behalf_of"]:
        on_behalf_of = get_object_or_404(User.objects, pk=form.cleaned_data["on_behalf_of"])
    try:
        approval_round = approvals.do_cast_vote(
            change,
            form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            actor=request.user,
            on_behalf_of=on_behalf_of,
        )
    except ValidationError as exc:
        messages.error(
            request, f"Your vote on {change.number} was not recorded: {_error_text(exc)}"
        )
        return _back(request, default)
    decision = form.cleaned_data["decision"]
    words = {"approve": "approved", "reject": "rejected", "abstain": "abstained on"}[decision]
    who = f" for {on_behalf_of}" if on_behalf_of and on_behalf_of != request.user else ""
    outcome = {
        "authorised": f" {change.number} is now authorised.",
        "rejected": f" {change.number} is now rejected.",
        "escalated": " The decision goes to the change manager.",
    }.get(approval_round.status, "")
    messages.success(request, f"You {words} {change.number}{who}.{outcome}")
    return _back(request, default)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    now = timezone.now()
    waiting = list(selectors.waiting_for(request.user, now)[:200])
    context = {
        "waiting": waiting,
        "decided": list(selectors.decided_by(request.user, now)[:50]),
        "recent_days": selectors.RECENT_DAYS,
        "delegations": list(selectors.delegations_of(request.user)[:20]),
        "delegation_form": DelegationForm(user=request.user),
        "can_delegate": can_delegate_approvals(request.user),
        "can_manage": can_manage_approvals(request.user),
        "vote_form": VoteForm(),
        "now": now,
    }
    return render(request, "changes/cab/inbox.html", context)


@login_required
@require_POST
def delegation_create(request: HttpRequest) -> HttpResponse:
    if not can_delegate_approvals(request.user):
        raise PermissionDenied("Only approvers delegate their votes.")
    form = DelegationForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            approvals.do_delegate(
                request.user,
                data["delegate"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, f"Not delegated: {_error_text(exc)}")
        else:
            messages.success(request, f"{data['delegate']} votes for you in that period.")
    else:
        problems = "; ".join(
            f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()
        )
        messages.error(request, f"Not delegated: {problems}")
    return redirect("changes:approval_inbox")


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation.objects.select_related("delegate"), pk=pk)
    if delegation.delegator_id != request.user.pk and not can_manage_approvals(request.user):
        raise PermissionDenied("Only the person who delegated revokes it.")
    try:
        approvals.do_revoke_delegation(delegation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{delegation.delegate} no longer votes for you.")
    return redirect("changes:approval_inbox")


# -- policies -----------------------------------------------------------------------------------


@login_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    context = {
        "policies": selectors.policies_for(request.user).order_by("position", "pk"),
        "can_manage": can_manage_approvals(request.user),
        "fallback": approvals.FALLBACK_POLICY,
    }
    return render(request, "changes/cab/policy_list.html", context)


def _policy_values(form: PolicyForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in policies.POLICY_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_manager(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy = run_service(
            form, policies.do_create_policy, actor=request.user, **_policy_values(form)
        )
        if policy:
            messages.success(request, f"Policy “{policy}” created.")
            return redirect("changes:policy_list")
    return render(request, "changes/cab/policy_form.html", {"form": form, "policy": None})


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    policy = get_object_or_404(selectors.policies_for(request.user), pk=pk)
    _require_manager(request)
    form = PolicyForm(request.POST or None, instance=ApprovalPolicy.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, policies.do_update_policy, policy, actor=request.user, **_policy_values(form)
        )
        if saved:
            messages.success(
                request,
                f"Policy “{saved}” saved. Rounds already open keep the rules they opened with.",
            )
            return redirect("changes:policy_list")
    context = {"form": form, "policy": policy, "timeline": timeline_for(policy)}
    return render(request, "changes/cab/policy_form.html", context)


# -- meetings -----------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        selectors.meetings_for(request.user),
        MeetingFilter,
        sort_fields={"starts_at": "starts_at", "title": "title"},
        default_sort="-starts_at",
    )
    context = {
        **listing.context(),
        "schedules": CabSchedule.objects.order_by("name"),
        "can_manage": can_manage_approvals(request.user),
        "awaiting": meetings.awaiting_authorisation().count(),
    }
    return render(request, "changes/cab/meeting_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_manager(request)
    kind = "emergency" if request.GET.get("kind") == "emergency" else "ad_hoc"
    initial = {
        "kind": kind,
        "title": "Emergency CAB" if kind == "emergency" else "Ad-hoc CAB",
        # The CAB members are the usual audience; the chair adds or removes people.
        "attendees": list(approvals.cab_members()),
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        meeting = run_service(
            form, meetings.do_create_meeting, actor=request.user, **form.cleaned_data
        )
        if meeting:
            meetings.do_build_agenda(meeting, actor=request.user)
            messages.success(
                request,
                f"{meeting} planned, its agenda built from the changes awaiting authorisation.",
            )
            return redirect(meeting)
    return render(request, "changes/cab/meeting_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_manager(request)
    form = ScheduleForm(
        request.POST or None,
        initial={
            "name": "Weekly CAB",
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
            "time_zone": settings.TIME_ZONE,
        },
    )
    if request.method == "POST" and form.is_valid():
        schedule = run_service(
            form, meetings.do_create_schedule, actor=request.user, **form.cleaned_data
        )
        if schedule:
            planned = meetings.do_plan_scheduled_meetings()
            messages.success(
                request,
                f"Schedule {schedule} created; {planned} meeting"
                f"{'s' if planned != 1 else ''} planned.",
            )
            return redirect("changes:meeting_list")
    return render(request, "changes/cab/schedule_form.html", {"form": form})


def _meeting(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(selectors.meetings_for(request.user), pk=pk)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    meeting = _meeting(request, pk)
    attendees = list(meeting.attendees.order_by("last_name", "first_name"))
    agenda = list(selectors.agenda_of(meeting))
    rounds = {
        r.change_id: r
        for r in selectors.rounds_for(request.user)
        .filter(change__in=[i.change_id for i in agenda])
        .order_by("opened_at")
    }
    items = [
        {
            "item": item,
            "round": rounds.get(item.change_id),
            "groups": explain_round(rounds[item.change_id]) if item.change_id in rounds else [],
            "form": AgendaDecisionForm(attendees=attendees, prefix=f"item{item.pk}"),
        }
        for item in agenda
    ]
    context = {
        "meeting": meeting,
        "attendees": attendees,
        "items": items,
        "can_manage": can_manage_approvals(request.user),
        "update_form": MeetingUpdateForm(instance=meeting),
        "agenda_form": AgendaFilterForm(),
        "timeline": timeline_for(meeting),
        "held": meeting.status == MeetingStatus.HELD,
    }
    return render(request, "changes/cab/meeting_detail.html", context)


@login_required
@require_POST
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    meeting = _meeting(request, pk)
    _require_manager(request)
    form = MeetingUpdateForm(request.POST, instance=meeting)
    if form.is_valid():
        try:
            meetings.do_update_meeting(
                meeting,
                actor=request.user,
                status=form.cleaned_data["status"],
                minutes=form.cleaned_data["minutes"],
                attendees=form.cleaned_data["attendees"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "Meeting saved.")
    else:
        messages.error(request, "The meeting was not saved: check the status and attendees.")
    return redirect(meeting)


@login_required
@require_POST
def meeting_build_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    meeting = _meeting(request, pk)
    _require_manager(request)
    form = AgendaFilterForm(request.POST)
    if form.is_valid():
        added = meetings.do_build_agenda(meeting, actor=request.user, **form.cleaned_data)
        messages.success(request, f"{added} change{'s' if added != 1 else ''} added to the agenda.")
    else:
        messages.error(request, "Check the agenda filter.")
    return redirect(meeting)


@login_required
@require_POST
def agenda_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    item = get_object_or_404(AgendaItem.objects.select_related("meeting", "change"), pk=pk)
    _require_manager(request)
    attendees = list(item.meeting.attendees.all())
    form = AgendaDecisionForm(request.POST, attendees=attendees, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            decided = meetings.do_record_agenda_decision(
                item,
                votes=form.votes(),
                deferred=form.cleaned_data["deferred"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, f"{item.change.number}: {_error_text(exc)}")
        else:
            messages.success(
                request, f"{item.change.number}: {decided.get_outcome_display().lower()}."
            )
    return redirect(f"{item.meeting.get_absolute_url()}#item-{item.pk}")
