"""The seven step workspaces and the forms posted from them: KPIs (step 1), the data
assessment and its gaps (2), collection (3), cleaning rules (4), analyses and baselines
(5), the decision (6), corrective actions, the evaluation and the next cycle (7)."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import conflict_status, detached, page_status, run_service
from kaizen.core.sharing import ShareLinkForm
from kaizen.core.widgets import share_model_choices
from kaizen.improvement import gates, selectors, services
from kaizen.improvement.forms import (
    KPI_SECTIONS,
    ActionForm,
    ActionProgressForm,
    CleaningRuleForm,
    DecisionForm,
    EvaluateForm,
    GapForm,
    KPIAddForm,
)
from kaizen.improvement.models import Action, CleaningRule, Gap, Initiative, InitiativeKPI, Status
from kaizen.improvement.permissions import (
    can_manage_register,
    can_update_action,
    can_work_initiative,
)
from kaizen.improvement.report_views import pop_new_link, share_state
from kaizen.improvement.views.base import (
    STEP_NAMES,
    call_service,
    initiative_context,
    initiative_for,
    kpi_definition,
    kpi_definitions,
    kpi_of,
    step_forms,
    step_url,
    workable,
)

# -- the step workspaces -----------------------------------------------------------------------


def _kpi_rows(initiative: Initiative, *prefetch: Any) -> list[dict[str, Any]]:
    kpis = list(initiative.kpis.select_related("goal").prefetch_related(*prefetch))
    definitions = kpi_definitions(kpi.kpi_key for kpi in kpis)
    return [{"kpi": kpi, "definition": definitions[kpi.kpi_key]} for kpi in kpis]


def _kpi_form(
    bound: dict[str, Any], section: str, kpi: InitiativeKPI, **kwargs: Any
) -> forms.BaseForm:
    form_class, _ = KPI_SECTIONS[section]
    return bound.get(f"{section}-{kpi.pk}") or form_class(
        instance=detached(kpi), prefix=f"kpi{kpi.pk}", **kwargs
    )


def _with_initiative(actions: QuerySet[Action], initiative: Initiative) -> list[Action]:
    listed = list(actions)
    for action in listed:
        action.initiative = initiative
    return listed


def _moment(value: Any) -> dt.datetime | None:
    """An ISO instant from a selector's JSON-shaped answer, for the date filter."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _step_1(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": _kpi_rows(initiative),
        "add_form": bound.get("kpi_add") or KPIAddForm(),
    }


def _step_2(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    assessment = selectors.latest_assessment(initiative)
    stored = assessment.results if assessment else []
    definitions = kpi_definitions(str(result.get("kpi_key", "")) for result in stored)
    results = []
    for result in stored:
        definition = definitions[str(result.get("kpi_key", ""))]
        results.append(
            {
                **result,
                "name": definition.name if definition else result.get("kpi_key"),
                "coverage_rows": result.get("coverage") or result.get("required_fields") or [],
            }
        )
    suggested = {
        (str(result.get("kpi_key")), str(found.get("code"))): found.get("suggested_action", "")
        for result in results
        for found in result.get("gaps", [])
    }
    gaps = list(initiative.gaps.select_related("owner"))
    for gap in gaps:
        gap.suggested_action = suggested.get((gap.kpi_key, gap.code), "")
    gap_forms = [
        (gap, bound.get(f"gap-{gap.pk}") or GapForm(instance=detached(gap), prefix=f"gap{gap.pk}"))
        for gap in gaps
    ]
    # Every gap's owner select lists the same agents: loaded once.
    share_model_choices(*(form for _, form in gap_forms))
    return {
        "assessment": assessment,
        "results": results,
        "gap_forms": gap_forms,
    }


def _step_3(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    rows = _kpi_rows(initiative)
    statuses = selectors.collection_statuses([row["kpi"] for row in rows])
    for row in rows:
        status = statuses[row["kpi"].pk]
        row["status"] = {
            **status,
            "last_data": _moment(status.get("last_data_at")),
            "last_measured": _moment(status.get("last_measured_at")),
        }
        row["form"] = _kpi_form(bound, "collection", row["kpi"])
    return {"rows": rows}


def _step_4(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    rows = _kpi_rows(
        initiative,
        Prefetch("cleaning_rules", queryset=CleaningRule.objects.select_related("created_by")),
    )
    for row in rows:
        kpi = row["kpi"]
        row["form"] = _kpi_form(bound, "processing", kpi)
        row["rule_form"] = bound.get(f"rule-{kpi.pk}") or CleaningRuleForm(
            definition=row["definition"], prefix=f"rule{kpi.pk}"
        )
    return {"rows": rows}


def _step_5(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    rows = _kpi_rows(initiative, "baselines__recorded_by")
    latest = selectors.latest_analyses([row["kpi"] for row in rows])
    charts = {}
    for row in rows:
        kpi = row["kpi"]
        row["form"] = _kpi_form(bound, "analysis", kpi)
        analysis = latest.get(kpi.pk)
        row["analysis"] = analysis
        if analysis is not None:
            charts[str(kpi.pk)] = analysis.result
    return {"rows": rows, "chart_data": charts}


def _step_6(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "decisions": list(initiative.decisions.select_related("decided_by")),
        "decision_form": bound.get("decision") or DecisionForm(),
    }
    # Only those who may revoke the link learn whether there is one.
    if can_work_initiative(request.user, initiative):
        context.update(
            share=share_state(initiative),
            new_share_url=pop_new_link(request, initiative),
            share_form=ShareLinkForm(),
        )
    return context


def _step_7(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    user = request.user
    actions = [
        {
            "action": action,
            "overdue": action.is_overdue(today),
            "can_update": can_update_action(user, action),
        }
        for action in _with_initiative(
            initiative.actions.select_related("owner", "change"), initiative
        )
    ]
    window_over = selectors.evaluation_window_over(initiative, today)
    evaluating = initiative.status == Status.EVALUATING
    evaluations = list(initiative.evaluations.select_related("evaluated_by"))
    definitions = kpi_definitions(
        str(result.get("kpi_key", ""))
        for evaluation in evaluations
        for result in evaluation.results
    )
    for evaluation in evaluations:
        for result in evaluation.results:
            definition = definitions[str(result.get("kpi_key", ""))]
            base = result.get("baseline")
            result["name"] = definition.name if definition else result.get("kpi_key")
            result["unit"] = definition.unit.value if definition else ""
            result["baseline_value"] = base.get("value") if isinstance(base, dict) else base
    return {
        "actions": actions,
        "action_form": bound.get("action") or ActionForm(),
        "today": today,
        "window_over": window_over,
        # The window opens when the last action is done; before it ends only the CSI manager
        # may evaluate (on the part that has passed).
        "can_evaluate": evaluating and window_over,
        "can_force": evaluating and not window_over and can_manage_register(user),
        "evaluate_form": bound.get("evaluate") or EvaluateForm(initial={"force": True}),
        "evaluations": evaluations,
    }


STEP_CONTEXT = {
    1: _step_1,
    2: _step_2,
    3: _step_3,
    4: _step_4,
    5: _step_5,
    6: _step_6,
    7: _step_7,
}


def render_step(
    request: HttpRequest, initiative: Initiative, number: int, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    context = {
        **initiative_context(request, initiative),
        "step": number,
        "step_label": STEP_NAMES[number],
        "is_current": number == initiative.current_step and initiative.is_open,
        "step_gate": gates.gate(initiative, step=number),
        "step_template": f"improvement/_step{number}.html",
        **STEP_CONTEXT[number](request, initiative, bound),
    }
    if context["is_current"]:
        context.update(step_forms(initiative, bound, context["step_gate"]))
    # Work on a step is open while the initiative is; a viewer reads it.
    context["editable"] = context["can_work"] and initiative.is_open
    return render(request, "improvement/step.html", context)


@login_required
@require_GET
def step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    initiative = initiative_for(request, pk)
    if step not in STEP_NAMES:
        raise Http404("The improvement process has seven steps.")
    return render_step(request, initiative, step)


# -- step 1: the KPIs --------------------------------------------------------------------------


@login_required
@require_POST
def kpi_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = KPIAddForm(request.POST)
    if form.is_valid():
        added = run_service(
            form,
            services.do_add_initiative_kpi,
            initiative,
            actor=request.user,
            **form.cleaned_data,
        )
        if added:
            messages.success(request, f"{added.kpi_key} added to {initiative.reference}.")
            return redirect(step_url(initiative, 1, "kpis"))
    return render_step(request, initiative, 1, {"kpi_add": form})


@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    """One KPI's settings: its goal and targets (step 1), collection (3), processing (4) and
    analysed range (5), each a section of its own posted from its step's page."""
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    section = request.POST.get("section", "targets") if request.method == "POST" else "targets"
    if section not in KPI_SECTIONS:
        return HttpResponseBadRequest("Unknown section.")
    form_class, number = KPI_SECTIONS[section]
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=detached(kpi), prefix=f"kpi{kpi.pk}")
    if data is not None and form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form,
            services.do_update_initiative_kpi,
            kpi,
            actor=request.user,
            expected_version=version,
            **fields,
        )
        if saved:
            messages.success(request, f"{kpi.kpi_key} saved.")
            return redirect(step_url(initiative, number, f"kpi-{kpi.pk}"))
    if section != "targets":
        response = render_step(request, initiative, number, {f"{section}-{kpi.pk}": form})
        # After a version conflict (409) the page keeps the person's input with the conflict said.
        response.status_code = conflict_status(form)
        return response
    definition = kpi_definition(kpi.kpi_key)
    context = {
        **initiative_context(request, initiative),
        "kpi": kpi,
        "definition": definition,
        "form": form,
    }
    return render(request, "improvement/kpi_form.html", context, status=conflict_status(form))


@login_required
@require_POST
def kpi_remove(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    done, _ = call_service(request, services.do_remove_initiative_kpi, kpi, actor=request.user)
    if done:
        messages.success(request, f"{kpi.kpi_key} removed from {initiative.reference}.")
    return redirect(step_url(initiative, 1, "kpis"))


# -- step 2: what we can measure ---------------------------------------------------------------


@login_required
@require_POST
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    done, assessment = call_service(
        request, services.do_assess_data, initiative, actor=request.user
    )
    if done:
        kpis = len(assessment.results)
        gaps = selectors.open_gaps(initiative).count()
        messages.success(
            request,
            f"Data assessed: {kpis} KPI{'s' if kpis != 1 else ''}, "
            f"{gaps} open gap{'s' if gaps != 1 else ''}.",
        )
    return redirect(step_url(initiative, 2, "assessment"))


@login_required
@require_POST
def gap_edit(request: HttpRequest, pk: int, gap_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    gap = get_object_or_404(Gap, pk=gap_pk, initiative=initiative)
    form = GapForm(request.POST, instance=detached(gap), prefix=f"gap{gap.pk}")
    if form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form,
            services.do_update_gap,
            gap,
            actor=request.user,
            expected_version=version,
            **fields,
        )
        if saved:
            messages.success(request, f"Gap saved: {gap.description}")
            return redirect(step_url(initiative, 2, f"gap-{gap.pk}"))
    response = render_step(request, initiative, 2, {f"gap-{gap.pk}": form})
    # After a version conflict (409) the page keeps the person's input with the conflict said.
    response.status_code = conflict_status(form)
    return response


# -- step 4: cleaning rules --------------------------------------------------------------------


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    definition = kpi_definition(kpi.kpi_key)
    form = CleaningRuleForm(request.POST, definition=definition, prefix=f"rule{kpi.pk}")
    if form.is_valid():
        added = run_service(
            form, services.do_add_cleaning_rule, kpi, actor=request.user, **form.rule_fields()
        )
        if added:
            messages.success(request, f"Cleaning rule added to {kpi.kpi_key}.")
            return redirect(step_url(initiative, 4, f"kpi-{kpi.pk}"))
    return render_step(request, initiative, 4, {f"rule-{kpi.pk}": form})


@login_required
@require_POST
def rule_remove(request: HttpRequest, pk: int, kpi_pk: int, rule_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    rule = get_object_or_404(CleaningRule, pk=rule_pk, initiative_kpi=kpi)
    done, _ = call_service(request, services.do_remove_cleaning_rule, rule, actor=request.user)
    if done:
        messages.success(request, f"Cleaning rule removed from {kpi.kpi_key}.")
    return redirect(step_url(initiative, 4, f"kpi-{kpi.pk}"))


# -- step 5: analysis and baseline -------------------------------------------------------------


@login_required
@require_POST
def analyse(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    done, analysis = call_service(request, services.do_analyse_kpi, kpi, actor=request.user)
    if done:
        messages.success(
            request, f"{kpi.kpi_key} analysed: {analysis.result.get('explanation', '')}"
        )
    return redirect(step_url(initiative, 5, f"kpi-{kpi.pk}"))


@login_required
@require_POST
def baseline(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    kpi = kpi_of(initiative, kpi_pk)
    analysis = None
    if request.POST.get("analysis", "").isdigit():
        analysis = get_object_or_404(kpi.analyses, pk=int(request.POST["analysis"]))
    done, recorded = call_service(
        request, services.do_record_baseline, kpi, actor=request.user, analysis=analysis
    )
    if done:
        messages.success(
            request, f"Baseline v{recorded.version} of {kpi.kpi_key} recorded: {recorded.value:g}."
        )
    return redirect(step_url(initiative, 5, f"kpi-{kpi.pk}"))


# -- step 6: the decision ----------------------------------------------------------------------


@login_required
@require_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decided = run_service(
            form,
            services.do_record_decision,
            initiative,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            rationale=form.cleaned_data["rationale"],
        )
        if decided:
            initiative.refresh_from_db()
            messages.success(request, f"Decision recorded: {decided.get_decision_display()}.")
            if not initiative.is_open:
                return redirect(initiative)
            return redirect(step_url(initiative, initiative.current_step))
    return render_step(request, initiative, 6, {"decision": form})


# -- step 7: actions, evaluation, the next cycle -----------------------------------------------


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        created = run_service(
            form, services.do_create_action, initiative, actor=request.user, **form.action_fields()
        )
        if created:
            messages.success(
                request, f"Action “{created.title}” added, due {created.due_on:%-d %b %Y}."
            )
            return redirect(step_url(initiative, 7, "actions"))
    return render_step(request, initiative, 7, {"action": form})


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """The initiative's owner and the CSI manager edit the whole action; the action's own
    owner reports its progress (status, done on, change)."""
    initiative = initiative_for(request, pk)
    action = get_object_or_404(
        Action.objects.select_related("owner"), pk=action_pk, initiative=initiative
    )
    action.initiative = initiative
    if not can_update_action(request.user, action):
        raise PermissionDenied(
            "Only the action's owner, the initiative's owner and the CSI manager update an action."
        )
    full = can_work_initiative(request.user, initiative)
    form_class = ActionForm if full else ActionProgressForm
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=detached(action))
    if data is not None and form.is_valid():
        saved = run_service(
            form, services.do_update_action, action, actor=request.user, **form.action_fields()
        )
        if saved:
            messages.success(
                request, f"Action “{saved.title}” saved: {saved.get_status_display().lower()}."
            )
            return redirect(step_url(initiative, 7, "actions"))
    context = {
        **initiative_context(request, initiative),
        "action": action,
        "form": form,
        "full": full,
    }
    # After a version conflict (409) the page keeps the person's input with the conflict said.
    return render(request, "improvement/action_form.html", context, status=page_status(form))


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    form = EvaluateForm(request.POST)
    force = form.is_valid() and form.cleaned_data["force"]
    if force and not can_manage_register(request.user):
        raise PermissionDenied("Only the CSI manager evaluates before the window ends.")
    done, evaluation = call_service(
        request, services.do_evaluate_initiative, initiative, actor=request.user, force=force
    )
    if done:
        verdict = (
            "target met, the result is the new baseline"
            if evaluation.target_met
            else "target not met"
        )
        messages.success(request, f"{initiative.reference} evaluated: {verdict}.")
    return redirect(step_url(initiative, 7, "evaluation"))


@login_required
@require_POST
def next_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = workable(request, pk)
    done, opened = call_service(
        request, services.do_open_next_cycle, initiative, actor=request.user
    )
    if done:
        messages.success(
            request, f"{opened.reference} opened: cycle {opened.cycle} of “{opened.title}”."
        )
        return redirect(opened)
    return redirect(step_url(initiative, 7))
