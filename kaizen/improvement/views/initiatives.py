"""An initiative: creating and editing it, its page, and moving it between steps."""

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import detached, page_status, run_service
from kaizen.improvement import from_review, services
from kaizen.improvement.forms import AdvanceForm, InitiativeForm, ReturnForm
from kaizen.improvement.from_problem import initiative_initial
from kaizen.improvement.models import Initiative, Step
from kaizen.improvement.permissions import can_create_initiative
from kaizen.improvement.views.base import (
    STEP_NAMES,
    initiative_context,
    initiative_for,
    kpi_definitions,
    require_viewer,
    step_forms,
    step_url,
    workable,
)
from kaizen.improvement.views.steps import render_step
from kaizen.journal.selectors import timeline_for

# -- creating and editing an initiative --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    if not can_create_initiative(request.user):
        raise PermissionDenied("Process owners and managers and the CSI manager raise initiatives.")
    initial: dict[str, Any] = {"owner": request.user.pk}
    # Started from a problem's page: its words, services and the fix's measured effect.
    if request.GET.get("problem"):
        initial.update(initiative_initial(request.user, request.GET["problem"]) or {})
    # Started from an action agreed at a service review: the action is marked as taken in
    # when the initiative is created (the form posts back to this URL, parameter included).
    review_action = from_review.review_action_for(
        request.user, request.GET.get(from_review.PARAMETER)
    )
    if review_action is not None:
        initial.update(from_review.initiative_initial(review_action))
    form = InitiativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        create: Any = services.do_create_initiative
        if review_action is not None:
            create = partial(from_review.do_create_initiative_from_review_action, review_action)
        created = run_service(form, create, actor=request.user, **form.initiative_fields())
        if created:
            messages.success(request, f"{created.reference} created: choose its KPIs (step 1).")
            return redirect(step_url(created, Step.SHOULD_MEASURE))
    return render(request, "improvement/initiative_form.html", {"form": form, "initiative": None})


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = InitiativeForm(request.POST or None, instance=detached(initiative))
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.do_update_initiative,
            initiative,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            **form.initiative_fields(),
        )
        if saved:
            messages.success(request, f"{saved.reference} saved.")
            return redirect(saved)
    context = {"form": form, "initiative": initiative}
    # After a version conflict (409) the page keeps the person's input with the conflict said.
    return render(request, "improvement/initiative_form.html", context, status=page_status(form))


# -- the initiative page, moving between steps -------------------------------------------------


def _render_initiative(
    request: HttpRequest, initiative: Initiative, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    measured = list(initiative.kpis.select_related("goal"))
    definitions = kpi_definitions(kpi.kpi_key for kpi in measured)
    kpis = [(kpi, definitions[kpi.kpi_key]) for kpi in measured]
    context = {
        **initiative_context(request, initiative),
        **step_forms(initiative, bound),
        "services": list(initiative.services.order_by("name")),
        "goals": list(initiative.goals.order_by("title")),
        "kpis": kpis,
        "decision": initiative.decisions.select_related("decided_by").first(),
        "evaluation": initiative.evaluations.first(),
        "timeline": timeline_for(initiative),
    }
    return render(request, "improvement/initiative.html", context)


@login_required
@require_GET
def initiative(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_initiative(request, initiative_for(request, pk))


def _failed_on(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> HttpResponse:
    """Back to the page the form was posted from, with the form's errors."""
    step = request.POST.get("from_step", "")
    if step.isdigit() and int(step) in STEP_NAMES:
        return render_step(request, initiative, int(step), bound)
    return _render_initiative(request, initiative, bound)


@login_required
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = AdvanceForm(request.POST)
    if form.is_valid():
        moved = run_service(
            form,
            services.do_advance_step,
            initiative,
            actor=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
        if moved:
            number = moved.current_step
            messages.success(
                request, f"{moved.reference} moved to step {number}: {STEP_NAMES[number]}."
            )
            return redirect(step_url(moved, number))
    return _failed_on(request, initiative, {"advance": form})


@login_required
@require_POST
def return_to_step(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = ReturnForm(request.POST, current_step=initiative.current_step)
    if form.is_valid():
        moved = run_service(
            form,
            services.do_return_to_step,
            initiative,
            form.cleaned_data["step"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if moved:
            number = moved.current_step
            messages.success(
                request, f"{moved.reference} returned to step {number}: {STEP_NAMES[number]}."
            )
            return redirect(step_url(moved, number))
    return _failed_on(request, initiative, {"return": form})
