"""Problem candidates found from the incident data (pages): the list, and a candidate with its
incidents, chart and test in words, where problem managers create the problem or dismiss it.

Agents read; problem managers (and administrators) decide; requesters get 403. Every write
goes through kaizen.problems.services.candidates.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET, require_POST

from kaizen.core.forms import run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.problems import candidate_selectors as selectors
from kaizen.problems.candidate_filters import CandidateFilter
from kaizen.problems.candidate_forms import AcceptCandidateForm, DismissCandidateForm
from kaizen.problems.models import Candidate, CandidateStatus, Problem
from kaizen.problems.permissions import can_manage_problems, can_work_problems
from kaizen.problems.services import candidates as services


def _require_viewer(request: HttpRequest) -> None:
    if not can_work_problems(request.user):
        raise PermissionDenied("Problem candidates are for agents.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_problems(request.user):
        raise PermissionDenied("The problem managers decide on candidates.")


def problem_url(problem: Problem | None) -> str:
    """The problem's page, or "" while the problem pages are not installed."""
    if problem is None:
        return ""
    try:
        return problem.get_absolute_url()
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    candidates = selectors.candidates_for(request.user)
    listing = list_page(
        request,
        candidates,
        CandidateFilter,
        sort_fields={
            "incidents": "incident_count",
            "found": "found_at",
            "refreshed": "refreshed_at",
            "p_value": "p_value",
        },
        default_sort="-incidents",
    )
    counts = selectors.status_counts(candidates)
    context = {
        **listing.context(),
        "status_tabs": [(value, label, counts[value]) for value, label in CandidateStatus.choices],
    }
    return render(request, "problems/candidate_list.html", context)


def _detail(
    request: HttpRequest,
    candidate: Candidate,
    *,
    accept_form: AcceptCandidateForm | None = None,
    dismiss_form: DismissCandidateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_decide = can_manage_problems(request.user) and candidate.status == CandidateStatus.OPEN
    context: dict[str, Any] = {
        "candidate": candidate,
        "evidence": candidate.evidence,
        "incidents": selectors.candidate_incidents(candidate),
        "incidents_shown": selectors.INCIDENTS_SHOWN,
        "chart_data": selectors.chart_data(candidate),
        "problem_url": problem_url(candidate.problem),
        "may_decide": may_decide,
        "timeline": timeline_for(candidate),
    }
    if may_decide:
        context["accept_form"] = accept_form or AcceptCandidateForm(
            initial={"statement": services.default_statement(candidate)}
        )
        context["dismiss_form"] = dismiss_form or DismissCandidateForm()
    return render(request, "problems/candidate_detail.html", context, status=status)


def _refused(request: HttpRequest, candidate: Candidate, form: Any) -> HttpResponse | None:
    """A candidate decided meanwhile: say so on its page (no form left to show the error)."""
    candidate.refresh_from_db()
    if candidate.status == CandidateStatus.OPEN:
        return None
    messages.error(request, " ".join(form.non_field_errors()) or "Decided already.")
    return redirect(candidate.get_absolute_url())


@login_required
@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    candidate = get_object_or_404(selectors.candidates_for(request.user), pk=pk)
    return _detail(request, candidate)


@login_required
@require_POST
def candidate_accept(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    candidate = get_object_or_404(selectors.candidates_for(request.user), pk=pk)
    _require_manager(request)
    form = AcceptCandidateForm(request.POST)
    problem = None
    if form.is_valid():
        problem = run_service(
            form,
            services.do_accept_candidate,
            candidate,
            actor=request.user,
            statement=form.cleaned_data["statement"],
        )
    if problem is None:
        return _refused(request, candidate, form) or _detail(
            request, candidate, accept_form=form, status=400
        )
    messages.success(
        request,
        f"Problem {problem.number} raised with the candidate's "
        f"{candidate.incident_count} incidents linked.",
    )
    return redirect(problem_url(problem) or candidate.get_absolute_url())


@login_required
@require_POST
def candidate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    candidate = get_object_or_404(selectors.candidates_for(request.user), pk=pk)
    _require_manager(request)
    form = DismissCandidateForm(request.POST)
    done = None
    if form.is_valid():
        done = run_service(
            form,
            services.do_dismiss_candidate,
            candidate,
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    if done is None:
        return _refused(request, candidate, form) or _detail(
            request, candidate, dismiss_form=form, status=400
        )
    messages.success(
        request,
        "Candidate dismissed: it comes back only if a scan finds more incidents behind it.",
    )
    return redirect(candidate.get_absolute_url())
