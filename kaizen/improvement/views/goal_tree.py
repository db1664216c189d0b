"""The goal tree: the goals by level, a goal with its success factors, KPIs and the
initiatives serving it, and creating or editing one (the CSI manager)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.core.forms import detached, run_service
from kaizen.improvement import selectors, services
from kaizen.improvement.forms import GoalForm, GoalKPIForm, SuccessFactorForm
from kaizen.improvement.models import GOAL_LEVELS, Goal, Initiative
from kaizen.improvement.permissions import can_manage_register
from kaizen.improvement.views.base import kpi_definitions, require_viewer
from kaizen.journal.selectors import timeline_for
from kaizen.kpis.spec import KPIDefinition


def _require_goal_manager(request: HttpRequest) -> None:
    if not can_manage_register(request.user):
        raise PermissionDenied("Only the CSI manager changes the goal tree.")


# -- goals -------------------------------------------------------------------------------------


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


def _goal_kpis(goal: Goal, definitions: dict[str, KPIDefinition | None]) -> list[dict[str, Any]]:
    return [{"link": link, "definition": definitions[link.kpi_key]} for link in goal.kpis.all()]


def _definitions(goals: list[Goal]) -> dict[str, KPIDefinition | None]:
    return kpi_definitions(link.kpi_key for goal in goals for link in goal.kpis.all())


def _newest_first(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    return initiatives.select_related("owner").order_by("-created_at", "-pk")


@login_required
@require_GET
def goals(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    rows = list(
        Goal.objects.select_related("owner").prefetch_related(
            "success_factors",
            "kpis",
            Prefetch("initiatives", queryset=Initiative.objects.order_by("pk")),
        )
    )
    definitions = _definitions(rows)
    tree = [
        {"goal": goal, "depth": depth, "kpis": _goal_kpis(goal, definitions)}
        for goal, depth in _goal_tree(rows)
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
        "kpis": _goal_kpis(goal, _definitions([goal])),
        "initiatives": list(_newest_first(goal.initiatives.all())),
        "can_manage": can_manage_register(request.user),
        "factor_form": bound.get("add_factor") or SuccessFactorForm(prefix="factor"),
        "kpi_form": bound.get("attach_kpi") or GoalKPIForm(goal=goal, prefix="kpi"),
        "timeline": timeline_for(goal),
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
    require_viewer(request)
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
    require_viewer(request)
    _require_goal_manager(request)
    initial: dict[str, Any] = {"owner": request.user.pk}
    asked = request.GET.get("parent", "")
    parent = Goal.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
    level = selectors.child_level(parent.level) if parent is not None else None
    if level is not None:
        initial.update(parent=parent.pk, level=level)
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
    require_viewer(request)
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
