"""The approval pages of service requests: the approver's inbox, the decision posted from the
inbox or the request page (`decide`), the one-time e-mail link page (no sign-in) and the
delegations while away. Every write goes through kaizen.requests.services.approvals and
kaizen.people.delegations.

The request page (the portal's) shows `templates/requests/_approvals_panel.html` with the
context of `approvals_panel(request, service_request)`.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.errors import Conflict
from kaizen.people import delegations as delegation_services
from kaizen.people.models import Delegation
from kaizen.requests import approval_selectors as selectors
from kaizen.requests.approval_forms import DecisionForm, DelegationForm, LinkDecisionForm
from kaizen.requests.models import ServiceRequest
from kaizen.requests.services import approvals

# What each link failure answers: an unknown (or tampered) token the same as a missing page.
LINK_STATUS = {"unknown": 404, "expired": 410, "used": 410, "closed": 410}
LINK_TITLES = {
    "unknown": "This link is not valid",
    "expired": "This link has expired",
    "used": "This link was already used",
    "closed": "Your decision is no longer needed",
}


def request_url(service_request: ServiceRequest) -> str:
    """The request page, or "" while the portal's page is not installed."""
    try:
        return service_request.get_absolute_url()
    except NoReverseMatch:
        return ""


def approvals_panel(request: HttpRequest, service_request: ServiceRequest) -> dict[str, Any]:
    """The context of `requests/_approvals_panel.html` on the request page."""
    now = timezone.now()
    steps = selectors.approvals_of(service_request)
    return {
        "request": service_request,
        "approvals": [
            {"step": step, "votes": list(step.votes.all()), "progress": _progress(step)}
            for step in steps
        ],
        "can_decide": selectors.can_decide(request.user, service_request, now),
        "decision_form": DecisionForm(),
    }


def _progress(step: Any) -> str:
    if step.state != "pending":
        return step.outcome_note
    return approvals.progress_text(step, list(step.votes.all()))


def _back(request: HttpRequest, service_request: ServiceRequest | None) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    page = request_url(service_request) if service_request is not None else ""
    return redirect(page or reverse("requests:approval_inbox"))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@login_required
@require_GET
def approval_inbox(request: HttpRequest) -> HttpResponse:
    """What waits for the user's decision (their own and by delegation), due soonest first."""
    now = timezone.now()
    waiting = list(selectors.pending_decisions(request.user, now)[:200])
    for vote in waiting:
        vote.request_url = request_url(vote.approval.request)
    context = {
        "waiting": waiting,
        "decided": list(selectors.decided_recently(request.user)),
        "decision_form": DecisionForm(),
        "now": now,
    }
    return render(request, "requests/approvals/inbox.html", context)


@login_required
@require_POST
def decide(request: HttpRequest, number: str) -> HttpResponse:
    """Approve or reject from the inbox or the request page."""
    service_request = get_object_or_404(ServiceRequest, number=number)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form[name].label if name in form.fields else name}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, f"Not decided: {problems}")
        return _back(request, service_request)
    data = form.cleaned_data
    try:
        vote = approvals.do_decide(
            service_request,
            actor=request.user,
            decision=data["decision"],
            comment=data["comment"],
            on_behalf_of=data["on_behalf_of"],
        )
    except (Conflict, ValidationError) as exc:
        messages.error(request, f"Not decided: {_error_text(exc)}")
        return _back(request, service_request)
    service_request.refresh_from_db()
    word = "approved" if data["decision"] == "approve" else "rejected"
    who = f" for {vote.approver}" if vote.approver_id != request.user.pk else ""
    messages.success(
        request,
        f"You {word} {service_request.number}{who}. It is now "
        f"{service_request.get_state_display().lower()}.",
    )
    return _back(request, service_request)


@require_http_methods(["GET", "POST"])
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an e-mail link opens, without signing in: the request's summary and a confirm
    form. Opening it never decides (mail scanners follow links); the form's POST does."""
    try:
        vote = approvals.vote_for_link(token)
    except approvals.LinkError as failure:
        return _link_failure(request, failure)
    form = LinkDecisionForm(request.POST or None)
    wanted = request.GET.get("decision", "")
    if request.method == "POST" and form.is_valid():
        try:
            approvals.do_decide_by_link(
                token, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
            )
        except approvals.LinkError as failure:
            return _link_failure(request, failure)
        except (Conflict, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            service_request = ServiceRequest.objects.get(pk=vote.approval.request_id)
            return render(
                request,
                "requests/approvals/link_done.html",
                {
                    "service_request": service_request,
                    "decision": form.cleaned_data["decision"],
                    "vote": vote,
                },
            )
    service_request = vote.approval.request
    return render(
        request,
        "requests/approvals/link.html",
        {
            "vote": vote,
            "step": vote.approval,
            "service_request": service_request,
            "answers": approvals.answer_lines(service_request),
            "form": form,
            "wanted": wanted if wanted in approvals.DECISIONS else "",
        },
    )


def _link_failure(request: HttpRequest, failure: approvals.LinkError) -> HttpResponse:
    return render(
        request,
        "requests/approvals/link_failed.html",
        {"title": LINK_TITLES[failure.kind], "message": str(failure), "kind": failure.kind},
        status=LINK_STATUS[failure.kind],
    )


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    """Who decides for the user while they are away: set a period, see and revoke."""
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation_services.do_delegate(
                request.user,
                data["delegate"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{data['delegate']} decides for you in that period.")
            return redirect("requests:approval_delegations")
    context = {
        "form": form,
        "delegations": list(selectors.delegations_of(request.user)[:50]),
        "now": timezone.now(),
    }
    return render(request, "requests/approvals/delegations.html", context)


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation.objects.select_related("delegate"), pk=pk)
    if delegation.delegator_id != request.user.pk:
        raise PermissionDenied("Only the person who delegated revokes it.")
    try:
        delegation_services.do_revoke_delegation(delegation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{delegation.delegate} no longer decides for you.")
    return redirect("requests:approval_delegations")
