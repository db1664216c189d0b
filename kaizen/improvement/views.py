"""The continual improvement register's pages: the register, the board, an initiative and its
seven step workspaces, corrective actions, and the goal tree.

Each view: authenticate, ask kaizen.people.permissions (403), fetch (404), validate a form,
call one service of kaizen.improvement.services, redirect with a message; a failed form comes
back on its page with the errors beside its fields. The gates (kaizen.improvement.gates) say
what a step lacks; the views only show it.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import detached, run_service
from kaizen.core.listing import list_page
from kaizen.core.widgets import share_model_choices, speed_up_selects
from kaizen.improvement import gates, selectors, services
from kaizen.improvement.filters import BoardFilter, InitiativeFilter
from kaizen.improvement.forms import (
    KPI_SECTIONS,
    ActionForm,
    ActionProgressForm,
    AdvanceForm,
    CleaningRuleForm,
    DecisionForm,
    EvaluateForm,
    GapForm,
    GoalForm,
    GoalKPIForm,
    InitiativeForm,
    KPIAddForm,
    ReturnForm,
    SuccessFactorForm,
)
from kaizen.improvement.models import (
    GOAL_LEVELS,
    OPEN_STATUSES,
    Action,
    CleaningRule,
    Gap,
    Goal,
    Initiative,
    InitiativeKPI,
    Status,
    Step,
)
from kaizen.journal.selectors import timeline_for
from kaizen.kpis.spec import KPIDefinition
from kaizen.people.permissions import (
    can_create_initiative,
    can_manage_register,
    can_update_action,
    can_view_register,
    can_work_initiative,
)

REGISTER_SORTS = {
    "reference": "id",
    "title": "title",
    "owner": "owner__last_name",
    "process": "process",
    "priority": "priority",
    "status": "status",
    "step": "current_step",
    "cycle": "cycle",
    "due": "due_on",
    "updated": "updated_at",
}
CLOSED_ON_BOARD = 30
STEP_NAMES = {step.value: step.label for step in Step}


# -- access -----------------------------------------------------------------------------------


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_register(request.user):
        raise PermissionDenied("The improvement register is for agents and managers.")


def _initiative_for(request: HttpRequest, pk: int) -> Initiative:
    _require_viewer(request)
    return get_object_or_404(Initiative.objects.select_related("owner", "previous"), pk=pk)


def _require_worker(request: HttpRequest, initiative: Initiative) -> None:
    if not can_work_initiative(request.user, initiative):
        raise PermissionDenied("Only the initiative's owner and the CSI manager work it.")


def _workable(request: HttpRequest, pk: int) -> Initiative:
    initiative = _initiative_for(request, pk)
    _require_worker(request, initiative)
    return initiative


def _kpi_of(initiative: Initiative, kpi_pk: int) -> InitiativeKPI:
    kpi = get_object_or_404(InitiativeKPI, pk=kpi_pk, initiative=initiative)
    kpi.initiative = initiative  # the one checked, for the service
    return kpi


def _require_goal_manager(request: HttpRequest) -> None:
    if not can_manage_register(request.user):
        raise PermissionDenied("Only the CSI manager changes the goal tree.")


# -- helpers ----------------------------------------------------------------------------------


def _run(
    request: HttpRequest, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[bool, Any]:
    """A service behind a button (no fields to put errors on): (done, its result); a refusal
    becomes an error message."""
    try:
        return True, function(*args, **kwargs)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return False, None


def _step_url(initiative: Initiative, number: int, anchor: str = "") -> str:
    url = reverse("improvement:step", args=[initiative.pk, number])
    return f"{url}#{anchor}" if anchor else url


def _definition(key: str) -> KPIDefinition | None:
    return selectors.definition_of(key)


def _moment(value: Any) -> dt.datetime | None:
    """An ISO instant from a selector's JSON-shaped answer, for the date filter."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _readable(timeline: list[Any]) -> list[Any]:
    """For display only: a creation event lists every field, most of them empty."""
    for event in timeline:
        event.changes = {
            name: change
            for name, change in event.changes.items()
            if change.get("old") not in (None, "", []) or change.get("new") not in (None, "", [])
        }
    return timeline


def _style_filters(form: forms.BaseForm) -> None:
    speed_up_selects(form)
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")


def _blocking(result: Any) -> dict[str, Any] | None:
    """What the register shows of a gate: its first missing output and how many more."""
    if result is None or result.passed or not result.missing:
        return None
    return {"first": result.missing[0], "more": len(result.missing) - 1, "all": result.missing}


def _strip(initiative: Initiative) -> list[dict[str, Any]]:
    """The seven steps as done / current / to do, each linking to its workspace."""
    finished = initiative.status in (Status.COMPLETED, Status.NOT_MET)
    strip = []
    for step in Step:
        if finished or step < initiative.current_step:
            state = "done"
        elif step == initiative.current_step:
            state = "current" if initiative.is_open else "stopped"
        else:
            state = "todo"
        strip.append(
            {
                "number": step.value,
                "label": step.label,
                "state": state,
                "url": _step_url(initiative, step.value),
            }
        )
    return strip


def _common(request: HttpRequest, initiative: Initiative) -> dict[str, Any]:
    return {
        "initiative": initiative,
        "strip": _strip(initiative),
        "can_work": can_work_initiative(request.user, initiative),
        "next_cycle": initiative.next_cycles.order_by("pk").first(),
    }


# -- the register and the board ---------------------------------------------------------------


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        Initiative.objects.select_related("owner"),
        InitiativeFilter,
        sort_fields=REGISTER_SORTS,
        default_sort="-reference",
    )
    initiatives = list(listing.page.object_list)
    results = gates.gates_for(initiatives)
    rows = [(initiative, _blocking(results.get(initiative.pk))) for initiative in initiatives]
    context = {
        **listing.context(),
        "rows": rows,
        "can_create": can_create_initiative(request.user),
    }
    return render(request, "improvement/register.html", context)


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    everything = Initiative.objects.select_related("owner")
    filterset = BoardFilter(request.GET or None, queryset=everything, request=request)
    _style_filters(filterset.form)
    chosen = filterset.qs if filterset.is_bound and filterset.is_valid() else everything
    open_ones = list(chosen.filter(status__in=OPEN_STATUSES).order_by("priority", "due_on", "pk"))
    closed = list(
        chosen.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-pk")[
            : CLOSED_ON_BOARD + 1
        ]
    )
    results = gates.gates_for(open_ones)
    columns = []
    for step in Step:
        # An evaluating initiative waits for its window, which is no blockage.
        cards = [
            (
                initiative,
                _blocking(results.get(initiative.pk))
                if initiative.status == Status.ACTIVE
                else None,
            )
            for initiative in open_ones
            if initiative.current_step == step
        ]
        columns.append({"number": step.value, "label": step.label, "cards": cards})
    context = {
        "filter": filterset,
        "columns": columns,
        "open_count": len(open_ones),
        "blocked_count": sum(1 for column in columns for _, blocked in column["cards"] if blocked),
        "closed": closed[:CLOSED_ON_BOARD],
        "closed_more": len(closed) > CLOSED_ON_BOARD,
        "can_create": can_create_initiative(request.user),
    }
    return render(request, "improvement/board.html", context)


# -- creating and editing an initiative ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    if not can_create_initiative(request.user):
        raise PermissionDenied("Process owners and managers and the CSI manager raise initiatives.")
    form = InitiativeForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        created = run_service(
            form, services.do_create_initiative, actor=request.user, **form.initiative_fields()
        )
        if created:
            messages.success(request, f"{created.reference} created: choose its KPIs (step 1).")
            return redirect(_step_url(created, Step.SHOULD_MEASURE))
    return render(request, "improvement/initiative_form.html", {"form": form, "initiative": None})


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    form = InitiativeForm(request.POST or None, instance=detached(initiative))
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.do_update_initiative,
            initiative,
            actor=request.user,
            **form.initiative_fields(),
        )
        if saved:
            messages.success(request, f"{saved.reference} saved.")
            return redirect(saved)
    context = {"form": form, "initiative": initiative}
    return render(request, "improvement/initiative_form.html", context)


# -- the initiative page, moving between steps ------------------------------------------------


def _step_forms(
    initiative: Initiative, bound: dict[str, Any], gate: gates.GateResult | None = None
) -> dict[str, Any]:
    """The gate of the current step with the forms that move the initiative."""
    return {
        "gate": gate or gates.gate(initiative),
        "advance_form": bound.get("advance") or AdvanceForm(),
        "return_form": bound.get("return") or ReturnForm(current_step=initiative.current_step),
        "next_step": STEP_NAMES.get(initiative.current_step + 1),
        "next_step_number": initiative.current_step + 1,
    }


def _render_initiative(
    request: HttpRequest, initiative: Initiative, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    kpis = [(kpi, _definition(kpi.kpi_key)) for kpi in initiative.kpis.select_related("goal")]
    context = {
        **_common(request, initiative),
        **_step_forms(initiative, bound),
        "services": list(initiative.services.order_by("name")),
        "goals": list(initiative.goals.order_by("title")),
        "kpis": kpis,
        "decision": initiative.decisions.select_related("decided_by").first(),
        "evaluation": initiative.evaluations.first(),
        "timeline": _readable(timeline_for(initiative)),
    }
    return render(request, "improvement/initiative.html", context)


@login_required
@require_GET
def initiative(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_initiative(request, _initiative_for(request, pk))


def _failed_on(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> HttpResponse:
    """Back to the page the form was posted from, with the form's errors."""
    step = request.POST.get("from_step", "")
    if step.isdigit() and int(step) in STEP_NAMES:
        return _render_step(request, initiative, int(step), bound)
    return _render_initiative(request, initiative, bound)


@login_required
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
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
            return redirect(_step_url(moved, number))
    return _failed_on(request, initiative, {"advance": form})


@login_required
@require_POST
def return_to_step(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
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
            return redirect(_step_url(moved, number))
    return _failed_on(request, initiative, {"return": form})


# -- the step workspaces ------------------------------------------------------------------------


def _kpi_rows(initiative: Initiative, *prefetch: Any) -> list[dict[str, Any]]:
    return [
        {"kpi": kpi, "definition": _definition(kpi.kpi_key)}
        for kpi in initiative.kpis.select_related("goal").prefetch_related(*prefetch)
    ]


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


def _step_1(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": _kpi_rows(initiative),
        "add_form": bound.get("kpi_add") or KPIAddForm(),
    }


def _step_2(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    assessment = selectors.latest_assessment(initiative)
    results = []
    for result in assessment.results if assessment else []:
        definition = _definition(str(result.get("kpi_key", "")))
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
    charts = {}
    for row in rows:
        kpi = row["kpi"]
        row["form"] = _kpi_form(bound, "analysis", kpi)
        analysis = selectors.latest_analysis(kpi)
        row["analysis"] = analysis
        if analysis is not None:
            charts[str(kpi.pk)] = analysis.result
    return {"rows": rows, "chart_data": charts}


def _step_6(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    token = initiative.share_token
    return {
        "decisions": list(initiative.decisions.select_related("decided_by")),
        "decision_form": bound.get("decision") or DecisionForm(),
        "share_url": request.build_absolute_uri(reverse("improvement:shared_report", args=[token]))
        if token
        else "",
    }


def _step_7(request: HttpRequest, initiative: Initiative, bound: dict[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    user = request.user
    actions = [
        {
            "action": action,
            "overdue": action.is_overdue(today),
            "can_update": can_update_action(user, action),
        }
        for action in _with_initiative(initiative.actions.select_related("owner"), initiative)
    ]
    ends_on = initiative.evaluation_ends_on
    window_over = ends_on is not None and ends_on < today
    evaluating = initiative.status == Status.EVALUATING
    evaluations = list(initiative.evaluations.select_related("evaluated_by"))
    for evaluation in evaluations:
        for result in evaluation.results:
            definition = _definition(str(result.get("kpi_key", "")))
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


def _render_step(
    request: HttpRequest, initiative: Initiative, number: int, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    context = {
        **_common(request, initiative),
        "step": number,
        "step_label": STEP_NAMES[number],
        "is_current": number == initiative.current_step and initiative.is_open,
        "step_gate": gates.gate(initiative, step=number),
        "step_template": f"improvement/_step{number}.html",
        **STEP_CONTEXT[number](request, initiative, bound),
    }
    if context["is_current"]:
        context.update(_step_forms(initiative, bound, context["step_gate"]))
    # Work on a step is open while the initiative is; a viewer reads it.
    context["editable"] = context["can_work"] and initiative.is_open
    return render(request, "improvement/step.html", context)


@login_required
@require_GET
def step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    initiative = _initiative_for(request, pk)
    if step not in STEP_NAMES:
        raise Http404("The improvement process has seven steps.")
    return _render_step(request, initiative, step)


# -- step 1: the KPIs -------------------------------------------------------------------------


@login_required
@require_POST
def kpi_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
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
            return redirect(_step_url(initiative, 1, "kpis"))
    return _render_step(request, initiative, 1, {"kpi_add": form})


@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    """One KPI's settings: its goal and targets (step 1), collection (3), processing (4) and
    analysed range (5), each a section of its own posted from its step's page."""
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    section = request.POST.get("section", "targets") if request.method == "POST" else "targets"
    if section not in KPI_SECTIONS:
        return HttpResponseBadRequest("Unknown section.")
    form_class, number = KPI_SECTIONS[section]
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=detached(kpi), prefix=f"kpi{kpi.pk}")
    if data is not None and form.is_valid():
        saved = run_service(
            form, services.do_update_initiative_kpi, kpi, actor=request.user, **form.cleaned_data
        )
        if saved:
            messages.success(request, f"{kpi.kpi_key} saved.")
            return redirect(_step_url(initiative, number, f"kpi-{kpi.pk}"))
    if section != "targets":
        return _render_step(request, initiative, number, {f"{section}-{kpi.pk}": form})
    definition = _definition(kpi.kpi_key)
    context = {**_common(request, initiative), "kpi": kpi, "definition": definition, "form": form}
    return render(request, "improvement/kpi_form.html", context)


@login_required
@require_POST
def kpi_remove(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    done, _ = _run(request, services.do_remove_initiative_kpi, kpi, actor=request.user)
    if done:
        messages.success(request, f"{kpi.kpi_key} removed from {initiative.reference}.")
    return redirect(_step_url(initiative, 1, "kpis"))


# -- step 2: what we can measure --------------------------------------------------------------


@login_required
@require_POST
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    done, assessment = _run(request, services.do_assess_data, initiative, actor=request.user)
    if done:
        kpis = len(assessment.results)
        gaps = initiative.gaps.filter(still_present=True, status="open").count()
        messages.success(
            request,
            f"Data assessed: {kpis} KPI{'s' if kpis != 1 else ''}, "
            f"{gaps} open gap{'s' if gaps != 1 else ''}.",
        )
    return redirect(_step_url(initiative, 2, "assessment"))


@login_required
@require_POST
def gap_edit(request: HttpRequest, pk: int, gap_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    gap = get_object_or_404(Gap, pk=gap_pk, initiative=initiative)
    form = GapForm(request.POST, instance=detached(gap), prefix=f"gap{gap.pk}")
    if form.is_valid():
        saved = run_service(
            form, services.do_update_gap, gap, actor=request.user, **form.cleaned_data
        )
        if saved:
            messages.success(request, f"Gap saved: {gap.description}")
            return redirect(_step_url(initiative, 2, f"gap-{gap.pk}"))
    return _render_step(request, initiative, 2, {f"gap-{gap.pk}": form})


# -- step 4: cleaning rules -------------------------------------------------------------------


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    definition = _definition(kpi.kpi_key)
    form = CleaningRuleForm(request.POST, definition=definition, prefix=f"rule{kpi.pk}")
    if form.is_valid():
        added = run_service(
            form, services.do_add_cleaning_rule, kpi, actor=request.user, **form.rule_fields()
        )
        if added:
            messages.success(request, f"Cleaning rule added to {kpi.kpi_key}.")
            return redirect(_step_url(initiative, 4, f"kpi-{kpi.pk}"))
    return _render_step(request, initiative, 4, {f"rule-{kpi.pk}": form})


@login_required
@require_POST
def rule_remove(request: HttpRequest, pk: int, kpi_pk: int, rule_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    rule = get_object_or_404(CleaningRule, pk=rule_pk, initiative_kpi=kpi)
    done, _ = _run(request, services.do_remove_cleaning_rule, rule, actor=request.user)
    if done:
        messages.success(request, f"Cleaning rule removed from {kpi.kpi_key}.")
    return redirect(_step_url(initiative, 4, f"kpi-{kpi.pk}"))


# -- step 5: analysis and baseline ------------------------------------------------------------


@login_required
@require_POST
def analyse(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    done, analysis = _run(request, services.do_analyse_kpi, kpi, actor=request.user)
    if done:
        messages.success(
            request, f"{kpi.kpi_key} analysed: {analysis.result.get('explanation', '')}"
        )
    return redirect(_step_url(initiative, 5, f"kpi-{kpi.pk}"))


@login_required
@require_POST
def baseline(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    kpi = _kpi_of(initiative, kpi_pk)
    analysis = None
    if request.POST.get("analysis", "").isdigit():
        analysis = get_object_or_404(kpi.analyses, pk=int(request.POST["analysis"]))
    done, recorded = _run(
        request, services.do_record_baseline, kpi, actor=request.user, analysis=analysis
    )
    if done:
        messages.success(
            request, f"Baseline v{recorded.version} of {kpi.kpi_key} recorded: {recorded.value:g}."
        )
    return redirect(_step_url(initiative, 5, f"kpi-{kpi.pk}"))


# -- step 6: the decision ---------------------------------------------------------------------


@login_required
@require_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
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
            return redirect(_step_url(initiative, initiative.current_step))
    return _render_step(request, initiative, 6, {"decision": form})


# -- step 7: actions, evaluation, the next cycle ----------------------------------------------


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        created = run_service(
            form, services.do_create_action, initiative, actor=request.user, **form.action_fields()
        )
        if created:
            messages.success(
                request, f"Action “{created.title}” added, due {created.due_on:%-d %b %Y}."
            )
            return redirect(_step_url(initiative, 7, "actions"))
    return _render_step(request, initiative, 7, {"action": form})


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """The initiative's owner and the CSI manager edit the whole action; the action's own
    owner reports its progress (status, done on, change)."""
    initiative = _initiative_for(request, pk)
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
            return redirect(_step_url(initiative, 7, "actions"))
    context = {**_common(request, initiative), "action": action, "form": form, "full": full}
    return render(request, "improvement/action_form.html", context)


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    form = EvaluateForm(request.POST)
    force = form.is_valid() and form.cleaned_data["force"]
    if force and not can_manage_register(request.user):
        raise PermissionDenied("Only the CSI manager evaluates before the window ends.")
    done, evaluation = _run(
        request, services.do_evaluate_initiative, initiative, actor=request.user, force=force
    )
    if done:
        verdict = (
            "target met, the result is the new baseline"
            if evaluation.target_met
            else "target not met"
        )
        messages.success(request, f"{initiative.reference} evaluated: {verdict}.")
    return redirect(_step_url(initiative, 7, "evaluation"))


@login_required
@require_POST
def next_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _workable(request, pk)
    done, opened = _run(request, services.do_open_next_cycle, initiative, actor=request.user)
    if done:
        messages.success(
            request, f"{opened.reference} opened: cycle {opened.cycle} of “{opened.title}”."
        )
        return redirect(opened)
    return redirect(_step_url(initiative, 7))


# -- goals ------------------------------------------------------------------------------------


def _goal_tree(goals: list[Goal]) -> list[tuple[Goal, int]]:
    """Vision → strategy → tactical → operational, each goal under its parent, depth first."""
    by_parent: dict[int | None, list[Goal]] = {}
    known = {goal.pk for goal in goals}
    order = {level: index for index, level in enumerate(GOAL_LEVELS)}
    for goal in goals:
        parent = goal.parent_id if goal.parent_id in known else None
        by_parent.setdefault(parent, []).append(goal)
    tree: list[tuple[Goal, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for goal in sorted(by_parent.get(parent, []), key=lambda g: (order[g.level], g.title)):
            tree.append((goal, depth))
            walk(goal.pk, depth + 1)

    walk(None, 0)
    return tree


def _goal_kpis(goal: Goal) -> list[dict[str, Any]]:
    return [{"link": link, "definition": _definition(link.kpi_key)} for link in goal.kpis.all()]


def _newest_first(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    return initiatives.select_related("owner").order_by("-created_at", "-pk")


@login_required
@require_GET
def goals(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    rows = list(
        Goal.objects.select_related("owner").prefetch_related(
            "success_factors",
            "kpis",
            Prefetch("initiatives", queryset=Initiative.objects.order_by("pk")),
        )
    )
    tree = [
        {"goal": goal, "depth": depth, "kpis": _goal_kpis(goal)} for goal, depth in _goal_tree(rows)
    ]
    context = {"tree": tree, "can_manage": can_manage_register(request.user)}
    return render(request, "improvement/goals.html", context)


def _render_goal(
    request: HttpRequest, goal: Goal, bound: dict[str, Any] | None = None
) -> HttpResponse:
    bound = bound or {}
    context = {
        "goal": goal,
        "ancestors": _ancestors(goal),
        "children": list(goal.children.select_related("owner").order_by("title")),
        "factors": list(goal.success_factors.all()),
        "kpis": _goal_kpis(goal),
        "initiatives": list(_newest_first(goal.initiatives.all())),
        "can_manage": can_manage_register(request.user),
        "factor_form": bound.get("add_factor") or SuccessFactorForm(prefix="factor"),
        "kpi_form": bound.get("attach_kpi") or GoalKPIForm(goal=goal, prefix="kpi"),
        "timeline": _readable(timeline_for(goal)),
    }
    return render(request, "improvement/goal.html", context)


def _ancestors(goal: Goal) -> list[Goal]:
    chain, seen = [], {goal.pk}
    current = goal.parent
    while current is not None and current.pk not in seen:
        chain.insert(0, current)
        seen.add(current.pk)
        current = current.parent
    return chain


@login_required
@require_http_methods(["GET", "POST"])
def goal(request: HttpRequest, pk: int) -> HttpResponse:
    """A goal's page; its manager adds a success factor or attaches a KPI here (POST with
    `action` add_factor / attach_kpi)."""
    _require_viewer(request)
    found = get_object_or_404(Goal.objects.select_related("owner", "parent"), pk=pk)
    if request.method == "GET":
        return _render_goal(request, found)
    _require_goal_manager(request)
    action = request.POST.get("action")
    if action == "add_factor":
        form: forms.BaseForm = SuccessFactorForm(request.POST, prefix="factor")
        if form.is_valid():
            added = run_service(
                form,
                services.do_add_success_factor,
                found,
                actor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
            if added:
                messages.success(request, f"Critical success factor “{added.title}” added.")
                return redirect(found)
    elif action == "attach_kpi":
        form = GoalKPIForm(request.POST, goal=found, prefix="kpi")
        if form.is_valid():
            attached = run_service(
                form, services.do_attach_goal_kpi, found, actor=request.user, **form.cleaned_data
            )
            if attached:
                messages.success(request, f"{attached.kpi_key} attached to {found.title}.")
                return redirect(found)
    else:
        return HttpResponseBadRequest("Unknown action.")
    return _render_goal(request, found, {action: form})


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_goal_manager(request)
    initial: dict[str, Any] = {"owner": request.user.pk}
    asked = request.GET.get("parent", "")
    parent = Goal.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
    if parent is not None and parent.level in GOAL_LEVELS[:-1]:
        initial.update(parent=parent.pk, level=GOAL_LEVELS[GOAL_LEVELS.index(parent.level) + 1])
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = run_service(
            form, services.do_create_goal, actor=request.user, **form.goal_fields()
        )
        if created:
            messages.success(request, f"Goal “{created.title}” created.")
            return redirect(created)
    return render(request, "improvement/goal_form.html", {"form": form, "goal": None})


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    found = get_object_or_404(Goal, pk=pk)
    _require_goal_manager(request)
    form = GoalForm(request.POST or None, instance=detached(found))
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.do_update_goal, found, actor=request.user, **form.goal_fields()
        )
        if saved:
            messages.success(request, f"Goal “{saved.title}” saved.")
            return redirect(saved)
    return render(request, "improvement/goal_form.html", {"form": form, "goal": found})
