"""Every write of the improvement register: goals, initiatives walking the seven steps, each
step's outputs, the evaluation that closes a cycle and the next cycle, and starting or
dismissing an opportunity.

Each `do_*` runs in one transaction, validates its input (a ValidationError names the field),
writes, and journals the change with `record_event`: on the goal, the initiative or the
opportunity; step outputs on their initiative, with the output row's id in `data`. Step
transitions and the evaluation lock the initiative row first, so two people moving the same
initiative cannot both pass a gate on the same outputs.

Where outputs may change: the KPIs themselves in steps 1-2; their processing (period,
breakdown, range, change date, cleaning rules) up to step 5, the analysis a decision rests on
being fixed afterwards (return to an earlier step to change it); collection settings and
gaps while the initiative is open. A closed initiative (completed, not met, stopped) does not
change: the next cycle carries it on.
"""

import datetime as dt
import re
import secrets
import statistics
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from kaizen.analytics.schema import BREAKDOWN_COLUMNS
from kaizen.catalog.models import Service
from kaizen.improvement import analysis as analysing
from kaizen.improvement import stats
from kaizen.improvement.gates import GateBlocked, gate
from kaizen.improvement.models import (
    OPEN_STATUSES,
    PARENT_LEVEL,
    Action,
    ActionStatus,
    Analysis,
    AnalysisPeriod,
    Baseline,
    BaselineSource,
    CleaningRule,
    CollectionSchedule,
    CriticalSuccessFactor,
    DataAssessment,
    Decision,
    DecisionKind,
    Evaluation,
    Gap,
    GapStatus,
    GateMode,
    Goal,
    GoalKPI,
    GoalLevel,
    Initiative,
    InitiativeKPI,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Origin,
    Priority,
    Status,
    Step,
)
from kaizen.improvement.selectors import (
    current_baseline,
    default_range,
    definition_of,
    initiative_definition,
    period_end,
)
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, m2m_change, record_event
from kaizen.kpis.engine import EngineError
from kaizen.kpis.models import period_floor
from kaizen.kpis.spec import Direction, KPIDefinition
from kaizen.people.models import Process, User
from kaizen.people.permissions import can_manage_register

GOAL_FIELDS = ("level", "title", "description", "parent", "owner", "starts_on", "ends_on")
INITIATIVE_FIELDS = (
    "title",
    "problem_statement",
    "justification",
    "expected_benefit",
    "process",
    "owner",
    "priority",
    "starts_on",
    "due_on",
    "origin",
    "origin_reference",
    "opportunity",
    "gate_mode",
    "evaluation_window_days",
)
INITIATIVE_EDITABLE = tuple(name for name in INITIATIVE_FIELDS if name != "opportunity")
# What a KPI of an initiative carries, by the step that sets it.
KPI_CHOICE_FIELDS = ("goal", "target", "warning", "position")
KPI_COLLECTION_FIELDS = ("source_description", "schedule")
KPI_PROCESSING_FIELDS = (
    "period_kind",
    "breakdown",
    "processing_confirmed",
    "analysis_starts_on",
    "analysis_ends_on",
    "change_on",
)
KPI_FIELDS = KPI_CHOICE_FIELDS + KPI_COLLECTION_FIELDS + KPI_PROCESSING_FIELDS
GAP_FIELDS = ("action", "owner", "status")
ACTION_FIELDS = ("title", "description", "owner", "due_on", "status", "done_on", "change_reference")
FINISHED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)
LAST_KPI_STEP = Step.CAN_MEASURE  # KPIs are chosen (and dropped) in steps 1-2
LAST_PROCESSING_STEP = Step.ANALYSE  # processing and cleaning fixed once the decision is due
CLOSED_STATUSES = (Status.COMPLETED, Status.NOT_MET)
CYCLE_SUFFIX = re.compile(r"\s*\(cycle \d+\)$")


# -- shared checks ------------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _check_agent(user: Any, field: str, *, required: bool = True) -> None:
    if user is None:
        if required:
            raise ValidationError({field: "choose a person"})
        return
    if not isinstance(user, User) or not (user.is_active and user.is_agent):
        raise ValidationError({field: f"{user} is not an active agent"})


def _check_text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _check_number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "a number"})
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({field: "a number"}) from error


def _check_open(initiative: Initiative) -> None:
    if initiative.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "status": f"{initiative.reference} is {initiative.get_status_display().lower()}: "
                "a closed initiative does not change; open its next cycle instead"
            }
        )


def _lock(initiative: Initiative) -> Initiative:
    """The initiative's row locked for the rest of the transaction, read again into the
    caller's instance (so a gate is judged on what is stored, not on a stale copy)."""
    initiative.refresh_from_db(from_queryset=Initiative.objects.select_for_update())
    return initiative


def _resolve(model: type[Model], items: Iterable[Any], field: str) -> list[Any]:
    """Instances of `model` from instances or primary keys; an unknown key names the field."""
    items = list(items or ())
    wanted = [item for item in items if not isinstance(item, model)]
    found = {obj.pk: obj for obj in model._default_manager.filter(pk__in=wanted)}
    resolved = []
    for item in items:
        if isinstance(item, model):
            resolved.append(item)
        elif item in found:
            resolved.append(found[item])
        else:
            raise ValidationError({field: f"no {model._meta.verbose_name} {item!r}"})
    return list({obj.pk: obj for obj in resolved}.values())


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# -- goals ----------------------------------------------------------------------------------------


def _check_goal(goal: Goal) -> None:
    errors: dict[str, str] = {}
    if goal.level not in GoalLevel.values:
        errors["level"] = f"one of {', '.join(GoalLevel.values)}"
    elif goal.parent_id is not None or goal.parent is not None:
        parent = goal.parent
        wanted = PARENT_LEVEL.get(goal.level)
        if wanted is None:
            errors["parent"] = "a vision is the top of the goal tree: it has no parent"
        elif parent.level != wanted:
            errors["parent"] = (
                f"the parent of a {goal.get_level_display().lower()} is a "
                f"{GoalLevel(wanted).label.lower()}, not a {parent.get_level_display().lower()}"
            )
        elif goal.pk is not None and parent.pk == goal.pk:
            errors["parent"] = "a goal cannot be its own parent"
    if not str(goal.title or "").strip():
        errors["title"] = "a title is required"
    if goal.starts_on and goal.ends_on and goal.ends_on < goal.starts_on:
        errors["ends_on"] = "ends on or after the day it starts"
    if errors:
        raise ValidationError(errors)
    if goal.owner is not None:
        _check_agent(goal.owner, "owner")


@transaction.atomic
def do_create_goal(
    *,
    actor: Any,
    level: str,
    title: str,
    description: str = "",
    parent: Goal | None = None,
    owner: User | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Goal:
    """A goal in the tree: a vision at the top, then strategies, tactical and operational
    goals, each under a goal of the level just above it (or none: a tree may start lower)."""
    goal = Goal()
    changes = apply_changes(
        goal,
        {
            "level": level,
            "title": str(title or "").strip(),
            "description": description,
            "parent": parent,
            "owner": owner,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
        GOAL_FIELDS,
    )
    _check_goal(goal)
    goal.full_clean()
    goal.save()
    record_event(EventType.GOAL_CREATED, goal, actor=actor, changes=changes)
    return goal


@transaction.atomic
def do_update_goal(goal: Goal, *, actor: Any, **fields: Any) -> Goal:
    if "title" in fields:
        fields["title"] = str(fields["title"] or "").strip()
    changes = apply_changes(goal, fields, GOAL_FIELDS)
    if not changes:
        return goal
    if "level" in changes:
        below = goal.children.exclude(level=_child_level(goal.level))
        if below.exists():
            raise ValidationError(
                {"level": "its sub-goals would no longer be one level below it: move them first"}
            )
    _check_goal(goal)
    goal.full_clean()
    goal.save()
    record_event(EventType.GOAL_UPDATED, goal, actor=actor, changes=changes)
    return goal


def _child_level(level: str) -> str | None:
    return next((child for child, parent in PARENT_LEVEL.items() if parent == level), None)


@transaction.atomic
def do_add_success_factor(
    goal: Goal, *, actor: Any, title: str, description: str = ""
) -> CriticalSuccessFactor:
    title = _check_text(title, "title", "say what must go right")
    factor = CriticalSuccessFactor(goal=goal, title=title, description=description)
    factor.full_clean()
    factor.save()
    record_event(
        EventType.GOAL_UPDATED,
        goal,
        actor=actor,
        data={"success_factor_added": factor.pk, "title": title},
    )
    return factor


@transaction.atomic
def do_attach_goal_kpi(
    goal: Goal,
    *,
    actor: Any,
    kpi_key: str,
    target: float | None = None,
    success_factor: CriticalSuccessFactor | None = None,
) -> GoalKPI:
    """A KPI of the library (or a custom one) that shows whether the goal is reached."""
    kpi_key = str(kpi_key or "").strip()
    if definition_of(kpi_key) is None:
        raise ValidationError({"kpi_key": f"no KPI {kpi_key!r} in the KPI library"})
    if success_factor is not None and success_factor.goal_id != goal.pk:
        raise ValidationError({"success_factor": "a success factor of this goal"})
    if GoalKPI.objects.filter(goal=goal, kpi_key=kpi_key).exists():
        raise ValidationError({"kpi_key": f"{kpi_key} is already attached to this goal"})
    target = _check_number(target, "target")
    goal_kpi = GoalKPI.objects.create(
        goal=goal, kpi_key=kpi_key, target=target, success_factor=success_factor
    )
    record_event(
        EventType.GOAL_UPDATED,
        goal,
        actor=actor,
        data={
            "goal_kpi": goal_kpi.pk,
            "kpi_attached": kpi_key,
            "target": target,
            "success_factor": success_factor.pk if success_factor else None,
        },
    )
    return goal_kpi


@transaction.atomic
def do_detach_goal_kpi(goal_kpi: GoalKPI, *, actor: Any) -> None:
    goal = goal_kpi.goal
    data = {"goal_kpi": goal_kpi.pk, "kpi_detached": goal_kpi.kpi_key}
    goal_kpi.delete()
    record_event(EventType.GOAL_UPDATED, goal, actor=actor, data=data)


# -- initiatives ----------------------------------------------------------------------------------


def default_gate_mode() -> str:
    return getattr(settings, "KAIZEN_IMPROVEMENT_GATE_MODE", GateMode.STRICT)


def _check_initiative(initiative: Initiative) -> None:
    errors: dict[str, str] = {}
    if not initiative.title.strip():
        errors["title"] = "a title is required"
    if not initiative.problem_statement.strip():
        errors["problem_statement"] = "say which problem the initiative addresses"
    if initiative.process not in Process.values:
        errors["process"] = f"one of {', '.join(Process.values)}"
    if initiative.priority not in Priority.values:
        errors["priority"] = "from 1 (critical) to 4 (low)"
    if initiative.origin not in Origin.values:
        errors["origin"] = f"one of {', '.join(Origin.values)}"
    if initiative.gate_mode not in GateMode.values:
        errors["gate_mode"] = "strict or advisory"
    window = initiative.evaluation_window_days
    if not isinstance(window, int) or not 1 <= window <= 366:
        errors["evaluation_window_days"] = "from 1 to 366 days"
    if initiative.starts_on and initiative.due_on and initiative.due_on < initiative.starts_on:
        errors["due_on"] = "on or after the day it starts"
    if errors:
        raise ValidationError(errors)
    _check_agent(initiative.owner if initiative.owner_id else None, "owner")


@transaction.atomic
def do_create_initiative(
    *,
    actor: Any,
    title: str,
    problem_statement: str,
    process: str,
    owner: User,
    justification: str = "",
    expected_benefit: str = "",
    services: Iterable[Any] = (),
    goals: Iterable[Any] = (),
    priority: int = Priority.MEDIUM,
    starts_on: dt.date | None = None,
    due_on: dt.date | None = None,
    origin: str = Origin.MANUAL,
    origin_reference: str = "",
    opportunity: Opportunity | None = None,
    gate_mode: str | None = None,
    evaluation_window_days: int | None = None,
) -> Initiative:
    """A new entry of the CSI register, at step 1, active, cycle 1. Its gate mode is the
    site's (setting KAIZEN_IMPROVEMENT_GATE_MODE) unless given."""
    initiative = Initiative(status=Status.ACTIVE, current_step=Step.SHOULD_MEASURE, cycle=1)
    values: dict[str, Any] = {
        "title": str(title or "").strip(),
        "problem_statement": str(problem_statement or "").strip(),
        "justification": justification,
        "expected_benefit": expected_benefit,
        "process": process,
        "owner": owner,
        "priority": priority,
        "starts_on": starts_on or timezone.localdate(),
        "due_on": due_on,
        "origin": origin,
        "origin_reference": origin_reference,
        "opportunity": opportunity,
        "gate_mode": gate_mode or default_gate_mode(),
    }
    if evaluation_window_days is not None:
        values["evaluation_window_days"] = evaluation_window_days
    changes = apply_changes(initiative, values, INITIATIVE_FIELDS)
    _check_initiative(initiative)
    initiative.full_clean()
    initiative.save()
    changes.update(_set_relations(initiative, services=services, goals=goals, creating=True))
    record_event(EventType.INITIATIVE_CREATED, initiative, actor=actor, changes=changes)
    return initiative


def _set_relations(
    initiative: Initiative,
    *,
    services: Iterable[Any] | None,
    goals: Iterable[Any] | None,
    creating: bool = False,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, model, items in (("services", Service, services), ("goals", Goal, goals)):
        if items is None:
            continue
        new = _resolve(model, items, name)
        manager = getattr(initiative, name)
        old = [] if creating else list(manager.all())
        change = m2m_change(old, new)
        if change:
            manager.set(new)
            changes[name] = change
    return changes


@transaction.atomic
def do_update_initiative(initiative: Initiative, *, actor: Any, **fields: Any) -> Initiative:
    """Change what the initiative is about, who owns it, its gate mode or its evaluation
    window (while evaluating, the window's end moves with it). `services` and `goals` are
    the whole new lists."""
    _lock(initiative)
    _check_open(initiative)
    services, goals = fields.pop("services", None), fields.pop("goals", None)
    for name in ("title", "problem_statement"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    changes = apply_changes(initiative, fields, INITIATIVE_EDITABLE)
    if "evaluation_window_days" in changes and initiative.evaluation_starts_on:
        changes.update(
            apply_changes(
                initiative,
                {"evaluation_ends_on": _window_end(initiative, initiative.evaluation_starts_on)},
                ("evaluation_ends_on",),
            )
        )
    _check_initiative(initiative)
    initiative.full_clean()
    if changes:
        initiative.save()
    changes.update(_set_relations(initiative, services=services, goals=goals))
    if changes:
        record_event(EventType.INITIATIVE_UPDATED, initiative, actor=actor, changes=changes)
    return initiative


# -- moving through the steps ---------------------------------------------------------------------


@transaction.atomic
def do_advance_step(
    initiative: Initiative, *, actor: Any, override_reason: str = "", today: dt.date | None = None
) -> Initiative:
    """Pass the current step's gate and move to the next step. Strict mode: only with nothing
    missing (GateBlocked otherwise). Advisory mode: with outputs missing when a reason is
    given; the journal keeps what was missing and the reason. Step 7 is the last: the
    evaluation closes the cycle."""
    _lock(initiative)
    _check_open(initiative)
    step = int(initiative.current_step)
    if step >= Step.IMPLEMENT:
        raise ValidationError(
            {
                "current_step": "Step 7 is the last: the evaluation at the end of the window "
                "closes the cycle"
            }
        )
    result = gate(initiative, step, today=today)
    reason = str(override_reason or "").strip()
    if not result.passed:
        if initiative.gate_mode != GateMode.ADVISORY:
            raise GateBlocked(result)
        if not reason:
            raise GateBlocked(result, field="override_reason")
    initiative.current_step = step + 1
    initiative.save(update_fields=["current_step", "updated_at"])
    record_event(
        EventType.INITIATIVE_STEP_CHANGED,
        initiative,
        actor=actor,
        changes={"current_step": {"old": step, "new": step + 1}},
        data={
            "from": step,
            "to": step + 1,
            "missing": result.missing,
            "override_reason": reason if result.missing else "",
        },
    )
    return initiative


def _close_window(initiative: Initiative) -> dict[str, Any]:
    """Back from evaluating to active: the window is cleared (changes for the journal)."""
    if initiative.status != Status.EVALUATING and initiative.evaluation_starts_on is None:
        return {}
    return apply_changes(
        initiative,
        {"status": Status.ACTIVE, "evaluation_starts_on": None, "evaluation_ends_on": None},
        ("status", "evaluation_starts_on", "evaluation_ends_on"),
    )


@transaction.atomic
def do_return_to_step(initiative: Initiative, step: int, *, actor: Any, reason: str) -> Initiative:
    """Go back to an earlier step to redo its outputs (an evaluation window running is
    closed: the actions are judged again when the initiative comes back)."""
    _lock(initiative)
    _check_open(initiative)
    current = int(initiative.current_step)
    try:
        step = int(step)
    except (TypeError, ValueError) as error:
        raise ValidationError({"step": "a step number"}) from error
    if not 1 <= step < current:
        raise ValidationError({"step": f"an earlier step than the current one ({current})"})
    reason = _check_text(reason, "reason", "say why the step is done again")
    changes = {"current_step": {"old": current, "new": step}}
    initiative.current_step = step
    changes.update(_close_window(initiative))
    initiative.save()
    record_event(
        EventType.INITIATIVE_STEP_CHANGED,
        initiative,
        actor=actor,
        changes=changes,
        data={"from": current, "to": step, "reason": reason, "returned": True},
    )
    return initiative


# -- step 1: what we should measure ---------------------------------------------------------------


def _check_kpi_set_step(initiative: Initiative, field: str = "kpi_key") -> None:
    _check_open(initiative)
    if initiative.current_step > LAST_KPI_STEP:
        raise ValidationError(
            {
                field: "KPIs are chosen in steps 1 and 2: return the initiative to step 1 to "
                "change them"
            }
        )


def _check_thresholds(
    definition: KPIDefinition, target: float | None, warning: float | None
) -> None:
    if warning is not None and target is None:
        raise ValidationError({"target": "give a target when there is a warning threshold"})
    if warning is None or target is None:
        return
    higher = definition.direction == Direction.HIGHER_IS_BETTER
    if (higher and warning > target) or (not higher and warning < target):
        side = "below" if higher else "above"
        raise ValidationError({"warning": f"{side} the target (on its bad side)"})


def _check_goal_served(initiative: Initiative, goal: Goal | None) -> None:
    if goal is not None and not initiative.goals.filter(pk=goal.pk).exists():
        raise ValidationError(
            {"goal": f'the initiative does not serve "{goal}": add it to its goals first'}
        )


def _kpi_data(ikpi: InitiativeKPI, **extra: Any) -> dict[str, Any]:
    return {"initiative_kpi": ikpi.pk, "kpi_key": ikpi.kpi_key, **extra}


@transaction.atomic
def do_add_initiative_kpi(
    initiative: Initiative,
    *,
    actor: Any,
    kpi_key: str,
    goal: Goal | None = None,
    target: float | None = None,
    warning: float | None = None,
) -> InitiativeKPI:
    """Choose a KPI to measure (steps 1-2). Its target and warning default to the KPI's own
    thresholds; its goal is one the initiative serves."""
    _check_kpi_set_step(initiative)
    kpi_key = str(kpi_key or "").strip()
    definition = definition_of(kpi_key)
    if definition is None:
        raise ValidationError({"kpi_key": f"no KPI {kpi_key!r} in the KPI library"})
    if initiative.kpis.filter(kpi_key=kpi_key).exists():
        raise ValidationError({"kpi_key": f"{kpi_key} is already measured by this initiative"})
    _check_goal_served(initiative, goal)
    target = _check_number(target, "target")
    warning = _check_number(warning, "warning")
    if target is None:
        target = definition.thresholds.target
        if warning is None:
            warning = definition.thresholds.warning
    _check_thresholds(definition, target, warning)
    position = (initiative.kpis.aggregate(last=Max("position"))["last"] or 0) + 1
    ikpi = InitiativeKPI.objects.create(
        initiative=initiative,
        kpi_key=kpi_key,
        goal=goal,
        target=target,
        warning=warning,
        position=position,
    )
    record_event(
        EventType.INITIATIVE_KPI_ADDED,
        initiative,
        actor=actor,
        data=_kpi_data(
            ikpi,
            goal=goal.pk if goal else None,
            target=target,
            warning=warning,
            measurable=definition.measurable,
        ),
    )
    return ikpi


@transaction.atomic
def do_update_initiative_kpi(ikpi: InitiativeKPI, *, actor: Any, **fields: Any) -> InitiativeKPI:
    """Change a KPI's goal and thresholds, its collection (step 3) or its processing
    (step 4-5: period, breakdown, analysis range, change date, confirmation). Processing is
    fixed once the initiative is past step 5; collection may change while it is open."""
    initiative = ikpi.initiative
    _check_open(initiative)
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "not a field of an initiative KPI"})
    fixed = set(fields) - set(KPI_COLLECTION_FIELDS)
    if fixed and initiative.current_step > LAST_PROCESSING_STEP:
        raise ValidationError(
            {
                sorted(fixed)[0]: f"fixed since the analysis went to the decision (step "
                f"{initiative.current_step}): return to step 5 or earlier to change it"
            }
        )
    definition = definition_of(ikpi.kpi_key)
    for name in ("target", "warning"):
        if name in fields:
            fields[name] = _check_number(fields[name], name)
    for name in ("source_description",):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    changes = apply_changes(ikpi, fields, KPI_FIELDS)
    if not changes:
        return ikpi
    errors: dict[str, str] = {}
    if ikpi.schedule and ikpi.schedule not in CollectionSchedule.values:
        errors["schedule"] = f"one of {', '.join(CollectionSchedule.values)}"
    if ikpi.period_kind not in AnalysisPeriod.values:
        errors["period_kind"] = f"one of {', '.join(AnalysisPeriod.values)}"
    if ikpi.breakdown not in BREAKDOWN_COLUMNS:
        errors["breakdown"] = f"one of {', '.join(BREAKDOWN_COLUMNS)}"
    starts, ends = ikpi.analysis_starts_on, ikpi.analysis_ends_on
    if starts and ends and ends <= starts:
        errors["analysis_ends_on"] = "after the day the analysis starts"
    if ikpi.change_on and starts and ikpi.change_on <= starts:
        errors["change_on"] = "after the start of the analysed range (there must be a before)"
    elif ikpi.change_on and ends and ikpi.change_on > ends:
        errors["change_on"] = "within the analysed range (there must be an after)"
    if errors:
        raise ValidationError(errors)
    if "goal" in changes:
        _check_goal_served(initiative, ikpi.goal)
    if definition is not None and ({"target", "warning"} & set(changes)):
        _check_thresholds(definition, ikpi.target, ikpi.warning)
    ikpi.full_clean()
    ikpi.save()
    record_event(
        EventType.INITIATIVE_KPI_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data=_kpi_data(ikpi),
    )
    return ikpi


@transaction.atomic
def do_remove_initiative_kpi(ikpi: InitiativeKPI, *, actor: Any) -> None:
    """Drop a KPI (steps 1-2), with its rules, analyses and baselines; its gaps stay on
    record, no longer present (they come back, action and all, if the KPI is chosen again)."""
    initiative = ikpi.initiative
    _check_kpi_set_step(initiative, field="initiative_kpi")
    data = _kpi_data(ikpi)
    initiative.gaps.filter(kpi_key=ikpi.kpi_key).update(still_present=False)
    ikpi.delete()
    record_event(EventType.INITIATIVE_KPI_REMOVED, initiative, actor=actor, data=data)


# -- step 2: what we can measure ------------------------------------------------------------------


@transaction.atomic
def do_assess_data(
    initiative: Initiative, *, actor: Any, today: dt.date | None = None
) -> DataAssessment:
    """The gap analysis: for each KPI, the data quality of its source over its range (the
    last year of complete periods unless the KPI has an analysis range) and the gaps it
    shows. Gap rows are kept by (KPI, code): a recomputation updates their description and
    keeps what people wrote (action, owner, status); a gap the data no longer shows is marked
    no longer present. What it would take to close each gap is suggested in the results
    (`suggested_action`), not written into the gap: closing it is the owner's call."""
    _check_open(initiative)
    today = _today(today)
    kpis = list(initiative.kpis.order_by("position", "pk"))
    if not kpis:
        raise ValidationError({"kpis": "choose at least one KPI to assess"})
    results, ranges = [], []
    for ikpi in kpis:
        start, end = default_range(ikpi, today)
        ranges.append((start, end))
        results.append(
            analysing.assess_kpi(ikpi, definition_of(ikpi.kpi_key), start=start, end=end)
        )
    kinds = [ikpi.period_kind for ikpi in kpis]
    assessment = DataAssessment.objects.create(
        initiative=initiative,
        computed_at=timezone.now(),
        computed_by=actor,
        period_kind=max(set(kinds), key=kinds.count),
        range_start=min(start for start, _ in ranges),
        range_end=max(end for _, end in ranges) - dt.timedelta(days=1),
        results=results,
    )
    existing = {(gap.kpi_key, gap.code): gap for gap in initiative.gaps.all()}
    seen, created, returned = set(), [], []
    for entry in results:
        for found in entry["gaps"]:
            key = (entry["kpi_key"], found["code"])
            seen.add(key)
            gap = existing.get(key)
            if gap is None:
                gap = Gap.objects.create(
                    initiative=initiative,
                    kpi_key=entry["kpi_key"],
                    code=found["code"],
                    description=found["description"],
                )
                created.append(gap)
                continue
            if not gap.still_present:
                returned.append(gap)
            if gap.description != found["description"] or not gap.still_present:
                gap.description, gap.still_present = found["description"], True
                gap.save(update_fields=["description", "still_present"])
    gone = [gap for key, gap in existing.items() if key not in seen and gap.still_present]
    Gap.objects.filter(pk__in=[gap.pk for gap in gone]).update(still_present=False)
    record_event(
        EventType.ASSESSMENT_COMPUTED,
        initiative,
        actor=actor,
        data={
            "assessment": assessment.pk,
            "kpis": len(results),
            "verdicts": {entry["kpi_key"]: entry["verdict"] for entry in results},
            "gaps": sorted(f"{kpi}:{code}" for kpi, code in seen),
            "gaps_new": [gap.pk for gap in created],
            "gaps_back": [gap.pk for gap in returned],
            "gaps_gone": [gap.pk for gap in gone],
            "range": [_iso(assessment.range_start), _iso(assessment.range_end)],
        },
    )
    return assessment


@transaction.atomic
def do_update_gap(gap: Gap, *, actor: Any, **fields: Any) -> Gap:
    """Write what it takes to close a gap, who owns it, or close or accept it."""
    initiative = gap.initiative
    _check_open(initiative)
    if "action" in fields:
        fields["action"] = str(fields["action"] or "").strip()
    changes = apply_changes(gap, fields, GAP_FIELDS)
    if not changes:
        return gap
    if gap.status not in GapStatus.values:
        raise ValidationError({"status": f"one of {', '.join(GapStatus.values)}"})
    if "owner" in changes:
        _check_agent(gap.owner, "owner", required=False)
    gap.full_clean()
    gap.save()
    record_event(
        EventType.GAP_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data={"gap": gap.pk, "kpi_key": gap.kpi_key, "code": gap.code},
    )
    return gap


# -- step 4: process the data ---------------------------------------------------------------------


def _check_processing_step(initiative: Initiative, field: str) -> None:
    _check_open(initiative)
    if initiative.current_step > LAST_PROCESSING_STEP:
        raise ValidationError(
            {
                field: "the analysis went to the decision: return to step 4 or 5 to change the "
                "cleaning rules"
            }
        )


@transaction.atomic
def do_add_cleaning_rule(
    ikpi: InitiativeKPI,
    *,
    actor: Any,
    kind: str,
    column: str,
    reason: str,
    operator: str = "",
    value: Any = None,
    factor: float | None = None,
) -> CleaningRule:
    """Record a rule that leaves rows out of the KPI's figures, and why (see
    kaizen.improvement.cleaning for what each kind does)."""
    from kaizen.improvement.cleaning import check_rule

    initiative = ikpi.initiative
    _check_processing_step(initiative, "kind")
    reason = _check_text(reason, "reason", "say why the rule is right for this KPI")
    cleaned, errors = check_rule(
        definition_of(ikpi.kpi_key),
        kind=kind,
        column=column,
        operator=operator,
        value=value,
        factor=factor,
    )
    if errors:
        raise ValidationError(errors)
    rule = CleaningRule(initiative_kpi=ikpi, reason=reason, created_by=actor, **cleaned)
    rule.full_clean()
    rule.save()
    record_event(
        EventType.CLEANING_RULE_ADDED,
        initiative,
        actor=actor,
        data=_kpi_data(ikpi, rule=rule.pk, reason=reason, **cleaned),
    )
    return rule


@transaction.atomic
def do_remove_cleaning_rule(rule: CleaningRule, *, actor: Any) -> None:
    ikpi = rule.initiative_kpi
    initiative = ikpi.initiative
    _check_processing_step(initiative, "rule")
    data = _kpi_data(
        ikpi,
        rule=rule.pk,
        kind=rule.kind,
        column=rule.column,
        operator=rule.operator,
        value=rule.value,
        factor=rule.factor,
        reason=rule.reason,
    )
    rule.delete()
    record_event(EventType.CLEANING_RULE_REMOVED, initiative, actor=actor, data=data)


# -- step 5: analyse the data ---------------------------------------------------------------------


def _measurable_definition(ikpi: InitiativeKPI) -> KPIDefinition:
    definition = initiative_definition(ikpi)
    if definition is None:
        raise ValidationError({"kpi_key": f"{ikpi.kpi_key} is not in the KPI library"})
    if definition.measure is None:
        raise ValidationError(
            {"kpi_key": f"{ikpi.kpi_key} is not measurable: {definition.not_measurable_reason}"}
        )
    return definition


def _provenance(definition: KPIDefinition) -> int | None:
    if not analysing.is_store_kpi(definition):
        return None
    from kaizen.kpis.selectors import synced_event_id

    return synced_event_id()


def _analyse(
    ikpi: InitiativeKPI,
    definition: KPIDefinition,
    *,
    actor: Any,
    start: dt.date,
    end: dt.date,
    change_on: dt.date | None,
    today: dt.date,
    purpose: str,
) -> Analysis:
    rules = list(ikpi.cleaning_rules.order_by("pk"))
    try:
        result = analysing.analyse_kpi(
            ikpi,
            definition,
            rules,
            start=start,
            end=end,
            change_on=change_on,
            today=today,
            purpose=purpose,
        )
    except EngineError as error:
        raise ValidationError({"kpi_key": f"{ikpi.kpi_key}: {error}"}) from error
    synced = _provenance(definition)
    result["synced_event_id"] = synced
    return Analysis.objects.create(
        initiative_kpi=ikpi,
        computed_at=timezone.now(),
        computed_by=actor,
        purpose=purpose,
        period_kind=ikpi.period_kind,
        range_start=start,
        range_end=end - dt.timedelta(days=1),
        change_on=change_on,
        synced_event_id=synced,
        result=result,
    )


@transaction.atomic
def do_analyse_kpi(ikpi: InitiativeKPI, *, actor: Any, today: dt.date | None = None) -> Analysis:
    """Analyse one KPI over its range (complete periods), cleaned by its rules: baseline,
    actual against target, trend, control chart, Pareto by its breakdown, and before/after
    around its change date when set. The result keeps the numbers behind every chart."""
    initiative = ikpi.initiative
    _check_open(initiative)
    today = _today(today)
    definition = _measurable_definition(ikpi)
    start, end = default_range(ikpi, today)
    result = _analyse(
        ikpi,
        definition,
        actor=actor,
        start=start,
        end=end,
        change_on=ikpi.change_on,
        today=today,
        purpose="analysis",
    )
    outcome = result.result["before_after"]["outcome"] if result.result["before_after"] else None
    record_event(
        EventType.ANALYSIS_COMPUTED,
        initiative,
        actor=actor,
        data=_kpi_data(
            ikpi,
            analysis=result.pk,
            purpose="analysis",
            range=[_iso(result.range_start), _iso(result.range_end)],
            change_on=_iso(result.change_on),
            rules=[item["id"] for item in result.result["cleaning"]],
            actual=result.result["actual"]["value"],
            status=result.result["actual"]["status"],
            before_after=outcome,
            synced_event_id=result.synced_event_id,
        ),
    )
    return result


def _next_version(ikpi: InitiativeKPI) -> int:
    return (ikpi.baselines.aggregate(last=Max("version"))["last"] or 0) + 1


def _baseline_data(baseline: Baseline) -> dict[str, Any]:
    return _kpi_data(
        baseline.initiative_kpi,
        baseline=baseline.pk,
        version=baseline.version,
        source=baseline.source,
        value=baseline.value,
        ci=[baseline.ci_low, baseline.ci_high],
        n=baseline.n,
        period=[_iso(baseline.starts_on), _iso(baseline.ends_on)],
        analysis=baseline.analysis_id,
    )


@transaction.atomic
def do_record_baseline(
    ikpi: InitiativeKPI, *, actor: Any, analysis: Analysis | None = None
) -> Baseline:
    """A new baseline version from an analysis (default: the KPI's latest): the mean of the
    periods before its change date (all of them without one), with its confidence interval."""
    initiative = ikpi.initiative
    _check_open(initiative)
    if analysis is None:
        analysis = ikpi.analyses.filter(purpose="analysis").order_by("-computed_at", "-pk").first()
        if analysis is None:
            raise ValidationError({"analysis": "analyse the KPI first"})
    elif analysis.initiative_kpi_id != ikpi.pk:
        raise ValidationError({"analysis": "an analysis of this KPI"})
    section = analysis.result.get("baseline") or {}
    if section.get("mean") is None or not section.get("start"):
        raise ValidationError(
            {"analysis": "the analysis has no measured period to take as baseline"}
        )
    baseline = Baseline.objects.create(
        initiative_kpi=ikpi,
        version=_next_version(ikpi),
        source=BaselineSource.MEASURED,
        period_kind=analysis.period_kind,
        starts_on=dt.date.fromisoformat(section["start"]),
        ends_on=dt.date.fromisoformat(section["end"]),
        value=section["mean"],
        ci_low=section.get("ci_low"),
        ci_high=section.get("ci_high"),
        n=section.get("n") or 0,
        analysis=analysis,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    record_event(
        EventType.BASELINE_RECORDED, initiative, actor=actor, data=_baseline_data(baseline)
    )
    return baseline


# -- step 6: present and use the information ------------------------------------------------------


@transaction.atomic
def do_record_decision(
    initiative: Initiative, *, actor: Any, decision: str, rationale: str
) -> Decision:
    """What the decision makers decided at step 6: implement (on to step 7), keep measuring
    (back to step 3, gathering more data) or stop (the initiative closes as stopped)."""
    _lock(initiative)
    _check_open(initiative)
    if initiative.current_step != Step.PRESENT:
        raise ValidationError(
            {
                "decision": "decisions are recorded at step 6; the initiative is at step "
                f"{initiative.current_step}"
            }
        )
    if decision not in DecisionKind.values:
        raise ValidationError({"decision": f"one of {', '.join(DecisionKind.values)}"})
    rationale = _check_text(
        rationale, "rationale", "say why: the report shows it with the decision"
    )
    if actor is None:
        raise ValidationError({"decided_by": "a decision is recorded by the person who made it"})
    now = timezone.now()
    record = Decision.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        decision=decision,
        rationale=rationale,
        decided_by=actor,
        decided_at=now,
    )
    step = int(initiative.current_step)
    if decision == DecisionKind.IMPLEMENT:
        changes = apply_changes(initiative, {"current_step": Step.IMPLEMENT}, ("current_step",))
    elif decision == DecisionKind.KEEP_MEASURING:
        changes = apply_changes(initiative, {"current_step": Step.GATHER}, ("current_step",))
    else:
        changes = apply_changes(
            initiative, {"status": Status.STOPPED, "closed_at": now}, ("status", "closed_at")
        )
    initiative.save()
    record_event(
        EventType.DECISION_RECORDED,
        initiative,
        actor=actor,
        changes=changes,
        data={
            "decision": record.pk,
            "kind": decision,
            "rationale": rationale,
            "cycle": record.cycle,
        },
    )
    if initiative.current_step != step:
        record_event(
            EventType.INITIATIVE_STEP_CHANGED,
            initiative,
            actor=actor,
            changes={"current_step": changes["current_step"]},
            data={"from": step, "to": int(initiative.current_step), "decision": record.pk},
        )
    return record


@transaction.atomic
def do_share_report(initiative: Initiative, *, actor: Any) -> str:
    """A read-only link to the initiative's report; asking again gives the same link."""
    _lock(initiative)
    if initiative.share_token:
        return initiative.share_token
    initiative.share_token = secrets.token_urlsafe(24)
    initiative.save(update_fields=["share_token", "updated_at"])
    record_event(EventType.REPORT_SHARED, initiative, actor=actor, data={"shared": True})
    return initiative.share_token


@transaction.atomic
def do_unshare_report(initiative: Initiative, *, actor: Any) -> None:
    """Revoke the report link (nothing to do when there is none)."""
    _lock(initiative)
    if not initiative.share_token:
        return
    initiative.share_token = None
    initiative.save(update_fields=["share_token", "updated_at"])
    record_event(EventType.REPORT_UNSHARED, initiative, actor=actor, data={"shared": False})


# -- step 7: implement corrective actions ---------------------------------------------------------


def _window_end(initiative: Initiative, starts_on: dt.date) -> dt.date:
    return starts_on + dt.timedelta(days=initiative.evaluation_window_days - 1)


def _sync_window(initiative: Initiative, *, actor: Any, reason: str) -> None:
    """Open the evaluation window when every action is done or cancelled (at least one
    done): it starts the day after the last one was done and lasts the initiative's window
    days. Close it again when an action is open again. Journaled on the initiative."""
    if initiative.current_step != Step.IMPLEMENT or initiative.status not in OPEN_STATUSES:
        return
    actions = list(initiative.actions.all())
    done = [a.done_on for a in actions if a.status == ActionStatus.DONE and a.done_on]
    finished = bool(actions) and all(a.status in FINISHED_ACTIONS for a in actions)
    if finished and done:
        starts_on = max(done) + dt.timedelta(days=1)
        changes = apply_changes(
            initiative,
            {
                "status": Status.EVALUATING,
                "evaluation_starts_on": starts_on,
                "evaluation_ends_on": _window_end(initiative, starts_on),
            },
            ("status", "evaluation_starts_on", "evaluation_ends_on"),
        )
        why = "every action is done or cancelled: the evaluation window is open"
    else:
        changes = _close_window(initiative)
        why = "an action is open again: the evaluation window is closed"
    if changes:
        initiative.save()
        record_event(
            EventType.INITIATIVE_UPDATED,
            initiative,
            actor=actor,
            changes=changes,
            data={"reason": why, "cause": reason},
        )


def _check_action(action: Action, today: dt.date) -> None:
    errors: dict[str, str] = {}
    if not str(action.title or "").strip():
        errors["title"] = "say what is to be done"
    if not isinstance(action.due_on, dt.date):
        errors["due_on"] = "the day it is due"
    if action.status not in ActionStatus.values:
        errors["status"] = f"one of {', '.join(ActionStatus.values)}"
    elif action.status != ActionStatus.DONE and action.done_on is not None:
        errors["done_on"] = "only a done action has the day it was done"
    elif action.done_on is not None and action.done_on > today:
        errors["done_on"] = "not in the future"
    if errors:
        raise ValidationError(errors)
    _check_agent(action.owner if action.owner_id else None, "owner")


@transaction.atomic
def do_create_action(
    initiative: Initiative,
    *,
    actor: Any,
    title: str,
    owner: User,
    due_on: dt.date,
    description: str = "",
    change_reference: str = "",
) -> Action:
    """A corrective action (step 7), owned by an agent, due on a day; `change_reference`
    names the change request that carries it out, if any."""
    _lock(initiative)
    _check_open(initiative)
    if initiative.current_step != Step.IMPLEMENT:
        raise ValidationError(
            {"title": "corrective actions are planned in step 7, after the decision to implement"}
        )
    action = Action(initiative=initiative)
    changes = apply_changes(
        action,
        {
            "title": str(title or "").strip(),
            "description": description,
            "owner": owner,
            "due_on": due_on,
            "status": ActionStatus.OPEN,
            "done_on": None,
            "change_reference": str(change_reference or "").strip(),
        },
        ACTION_FIELDS,
    )
    _check_action(action, timezone.localdate())
    action.full_clean()
    action.save()
    record_event(
        EventType.ACTION_CREATED,
        initiative,
        actor=actor,
        changes=changes,
        data={"action": action.pk, "title": action.title},
    )
    _sync_window(initiative, actor=actor, reason=f"action {action.pk} created")
    return action


@transaction.atomic
def do_update_action(
    action: Action, *, actor: Any, today: dt.date | None = None, **fields: Any
) -> Action:
    """Report progress on an action or change it. Done sets done_on (today unless given);
    a done action may be reopened (journaled as such: its done_on is cleared). When the last
    unfinished action is finished the evaluation window opens; reopening one closes it."""
    initiative = _lock(action.initiative)
    _check_open(initiative)
    today = _today(today)
    old_status = action.status
    for name in ("title", "change_reference"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    status = fields.get("status", action.status)
    if status == ActionStatus.DONE:
        if fields.get("done_on") is None and (
            old_status != ActionStatus.DONE or "done_on" in fields
        ):
            fields["done_on"] = today
    elif "status" in fields:
        fields.setdefault("done_on", None)
    changes = apply_changes(action, fields, ACTION_FIELDS)
    if not changes:
        return action
    _check_action(action, today)
    action.full_clean()
    action.save()
    reopened = old_status == ActionStatus.DONE and action.status != ActionStatus.DONE
    record_event(
        EventType.ACTION_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data={"action": action.pk, "title": action.title, "reopened": reopened},
    )
    _sync_window(initiative, actor=actor, reason=f"action {action.pk} updated")
    return action


def _mean(values: Iterable[float | None]) -> float | None:
    measured = [value for value in values if value is not None]
    return statistics.fmean(measured) if measured else None


def _evaluate_kpi(
    ikpi: InitiativeKPI,
    *,
    actor: Any,
    window_start: dt.date,
    window_end: dt.date,
    today: dt.date,
) -> tuple[dict[str, Any], Analysis | None, list[float | None]]:
    """One KPI re-measured over [baseline start, window end]: the window's value (mean of its
    complete periods), the before/after test around the window start, and whether it met
    its target (on the good side, and not significantly worse than before)."""
    baseline = current_baseline(ikpi)
    kind = ikpi.period_kind
    entry: dict[str, Any] = {
        "kpi_key": ikpi.kpi_key,
        "initiative_kpi": ikpi.pk,
        "analysis_id": None,
        "baseline": None,
        "value": None,
        "periods": 0,
        "target": ikpi.target,
        "met": False,
        "before_after": None,
        "explanation": "",
    }
    if baseline is not None:
        entry["baseline"] = {
            "version": baseline.version,
            "source": baseline.source,
            "value": baseline.value,
            "ci_low": baseline.ci_low,
            "ci_high": baseline.ci_high,
            "starts_on": _iso(baseline.starts_on),
            "ends_on": _iso(baseline.ends_on),
        }
    definition = initiative_definition(ikpi)
    if definition is None or definition.measure is None:
        entry["explanation"] = f"{ikpi.kpi_key} cannot be measured any more."
        return entry, None, []
    start = period_floor(
        baseline.starts_on if baseline else default_range(ikpi, window_start)[0], kind
    )
    # Complete periods only: the window's last period must have ended by the window's end.
    end = period_floor(window_end + dt.timedelta(days=1), kind)
    if end <= start:
        end = period_end(start, kind)
    try:
        analysis = _analyse(
            ikpi,
            definition,
            actor=actor,
            start=start,
            end=end,
            change_on=window_start,
            today=today,
            purpose="evaluation",
        )
    except ValidationError as error:
        entry["explanation"] = "; ".join(error.messages)
        return entry, None, []
    result = analysis.result
    values = analysing.window_values(result, window_start)
    value = _mean(values)
    before_after = result["before_after"]
    on_target = analysing.good_side(definition, value, ikpi.target)
    worsened = before_after is not None and before_after["outcome"] == "worsened"
    met = on_target and not worsened
    unit = str(definition.unit)
    measured = [v for v in values if v is not None]
    if value is None:
        explanation = (
            f"{definition.name}: no complete {kind} with data inside the window "
            f"({_iso(window_start)} to {_iso(window_end)}), so the target cannot be judged met."
        )
    else:
        judged = "met" if met else "not met"
        target = analysing.figure(ikpi.target, unit) if ikpi.target is not None else "none set"
        explanation = (
            f"{definition.name}: {analysing.figure(value, unit)} on average over the "
            f"{len(measured)} {kind}(s) of the window, target {target}: {judged}"
        )
        if baseline is not None:
            explanation += (
                f" (baseline v{baseline.version}: {analysing.figure(baseline.value, unit)})"
            )
        if before_after is not None:
            explanation += f"; before/after: {before_after['outcome']}"
        if on_target and worsened:
            explanation += " (on target, but significantly worse than before)"
        explanation += "."
    entry.update(
        analysis_id=analysis.pk,
        value=value,
        periods=len(measured),
        met=met,
        before_after=before_after,
        explanation=explanation,
        window_periods=[
            row["period"] for row in result["series"] if row["period"] >= window_start.isoformat()
        ],
    )
    return entry, analysis, values


@transaction.atomic
def do_evaluate_initiative(
    initiative: Initiative, *, actor: Any, today: dt.date | None = None, force: bool = False
) -> Evaluation:
    """The re-measurement at the end of the evaluation window. Every KPI met (on the good
    side of its target over the window, and not significantly worse than before): each KPI's
    window level is adopted as its new baseline version and the initiative completes;
    otherwise it closes as not met. Before the window has ended only with `force` (the CSI
    manager's call; journaled), over the part of the window that has passed."""
    _lock(initiative)
    _check_open(initiative)
    today = _today(today)
    starts_on, ends_on = initiative.evaluation_starts_on, initiative.evaluation_ends_on
    if initiative.current_step != Step.IMPLEMENT or starts_on is None or ends_on is None:
        raise ValidationError(
            {"status": "the evaluation window opens when every action is done or cancelled"}
        )
    if today <= ends_on and not force:
        raise ValidationError(
            {
                "evaluation_ends_on": f"the evaluation window runs until {ends_on:%d %b %Y}: "
                "evaluate after it has ended"
            }
        )
    if force and actor is not None and not can_manage_register(actor):
        raise ValidationError(
            {"force": "only the continual improvement manager evaluates before the window ends"}
        )
    forced = today <= ends_on
    window_end = min(ends_on, today - dt.timedelta(days=1)) if forced else ends_on
    kpis = list(initiative.kpis.order_by("position", "pk"))
    if not kpis:
        raise ValidationError({"kpis": "the initiative measures no KPI"})
    evaluated = [
        (
            ikpi,
            *_evaluate_kpi(
                ikpi, actor=actor, window_start=starts_on, window_end=window_end, today=today
            ),
        )
        for ikpi in kpis
    ]
    target_met = all(entry["met"] for _, entry, _, _ in evaluated)
    now = timezone.now()
    adopted: list[Baseline] = []
    if target_met:
        for ikpi, entry, analysis, values in evaluated:
            adopted.append(_adopt_baseline(ikpi, entry, analysis, values, actor=actor, now=now))
    evaluation = Evaluation.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        evaluated_at=now,
        evaluated_by=actor,
        window_start=starts_on,
        window_end=window_end,
        target_met=target_met,
        baseline_adopted=bool(adopted),
        results=[entry for _, entry, _, _ in evaluated],
    )
    changes = apply_changes(
        initiative,
        {"status": Status.COMPLETED if target_met else Status.NOT_MET, "closed_at": now},
        ("status", "closed_at"),
    )
    initiative.save()
    record_event(
        EventType.EVALUATION_RECORDED,
        initiative,
        actor=actor,
        changes=changes,
        data={
            "evaluation": evaluation.pk,
            "cycle": evaluation.cycle,
            "target_met": target_met,
            "window": [_iso(starts_on), _iso(window_end)],
            "forced": forced,
            "window_ends_on": _iso(ends_on),
            "kpis": {entry["kpi_key"]: entry["met"] for _, entry, _, _ in evaluated},
            "analyses": [entry["analysis_id"] for _, entry, _, _ in evaluated],
            "baselines": [baseline.pk for baseline in adopted],
        },
    )
    for baseline in adopted:
        record_event(
            EventType.BASELINE_RECORDED, initiative, actor=actor, data=_baseline_data(baseline)
        )
    return evaluation


def _adopt_baseline(
    ikpi: InitiativeKPI,
    entry: dict[str, Any],
    analysis: Analysis | None,
    values: list[float | None],
    *,
    actor: Any,
    now: dt.datetime,
) -> Baseline:
    """The window's level as the KPI's new reference: a new version, the old ones kept."""
    kind = ikpi.period_kind
    periods = [dt.date.fromisoformat(p) for p in entry.get("window_periods", [])]
    measured = [p for p, v in zip(periods, values, strict=False) if v is not None]
    level = stats.baseline(values)
    return Baseline.objects.create(
        initiative_kpi=ikpi,
        version=_next_version(ikpi),
        source=BaselineSource.ADOPTED,
        period_kind=kind,
        starts_on=measured[0],
        ends_on=period_end(measured[-1], kind) - dt.timedelta(days=1),
        value=level["mean"],
        ci_low=level["ci_low"],
        ci_high=level["ci_high"],
        n=level["n"],
        analysis=analysis,
        recorded_at=now,
        recorded_by=actor,
    )


@transaction.atomic
def do_open_next_cycle(initiative: Initiative, *, actor: Any) -> Initiative:
    """The next improvement cycle of a closed initiative (completed or not met): a new
    initiative at step 1 with the same owner, process, services, goals and gate mode, every
    KPI with its target, goal, collection, processing and cleaning rules, and each KPI's
    latest baseline carried as its version 1."""
    _lock(initiative)
    if initiative.status not in CLOSED_STATUSES:
        raise ValidationError(
            {
                "status": "a next cycle follows a completed initiative or one whose target was "
                "not met"
            }
        )
    following = initiative.next_cycles.first()
    if following is not None:
        raise ValidationError({"status": f"its next cycle is {following.reference} already"})
    cycle = initiative.cycle + 1
    base_title = CYCLE_SUFFIX.sub("", initiative.title)
    suffix = f" (cycle {cycle})"
    nxt = Initiative(status=Status.ACTIVE, current_step=Step.SHOULD_MEASURE, cycle=cycle)
    changes = apply_changes(
        nxt,
        {
            "title": base_title[: 200 - len(suffix)] + suffix,
            "problem_statement": initiative.problem_statement,
            "justification": initiative.justification,
            "expected_benefit": initiative.expected_benefit,
            "process": initiative.process,
            "owner": initiative.owner,
            "priority": initiative.priority,
            "starts_on": timezone.localdate(),
            "due_on": None,
            "origin": Origin.PREVIOUS_CYCLE,
            "origin_reference": initiative.reference,
            "opportunity": initiative.opportunity,
            "gate_mode": initiative.gate_mode,
            "evaluation_window_days": initiative.evaluation_window_days,
        },
        INITIATIVE_FIELDS,
    )
    nxt.previous = initiative
    nxt.full_clean()
    nxt.save()
    changes["previous"] = {"old": None, "new": {"id": initiative.pk, "repr": str(initiative)}}
    changes["cycle"] = {"old": None, "new": cycle}
    changes.update(
        _set_relations(
            nxt,
            services=list(initiative.services.all()),
            goals=list(initiative.goals.all()),
            creating=True,
        )
    )
    carried_kpis, carried_baselines, carried_rules = [], [], []
    for ikpi in initiative.kpis.order_by("position", "pk").prefetch_related("cleaning_rules"):
        copy = InitiativeKPI.objects.create(
            initiative=nxt,
            kpi_key=ikpi.kpi_key,
            goal=ikpi.goal,
            target=ikpi.target,
            warning=ikpi.warning,
            source_description=ikpi.source_description,
            schedule=ikpi.schedule,
            period_kind=ikpi.period_kind,
            breakdown=ikpi.breakdown,
            position=ikpi.position,
        )
        carried_kpis.append(copy.pk)
        for rule in ikpi.cleaning_rules.all():
            carried_rules.append(
                CleaningRule.objects.create(
                    initiative_kpi=copy,
                    kind=rule.kind,
                    column=rule.column,
                    operator=rule.operator,
                    value=rule.value,
                    factor=rule.factor,
                    reason=rule.reason,
                    created_by=actor,
                ).pk
            )
        latest = current_baseline(ikpi)
        if latest is not None:
            carried_baselines.append(
                Baseline.objects.create(
                    initiative_kpi=copy,
                    version=1,
                    source=BaselineSource.CARRIED,
                    period_kind=latest.period_kind,
                    starts_on=latest.starts_on,
                    ends_on=latest.ends_on,
                    value=latest.value,
                    ci_low=latest.ci_low,
                    ci_high=latest.ci_high,
                    n=latest.n,
                    analysis=None,
                    recorded_at=timezone.now(),
                    recorded_by=actor,
                ).pk
            )
    record_event(
        EventType.CYCLE_OPENED,
        initiative,
        actor=actor,
        data={"next": nxt.pk, "cycle": cycle},
    )
    record_event(
        EventType.CYCLE_OPENED,
        nxt,
        actor=actor,
        changes=changes,
        data={
            "previous": initiative.pk,
            "cycle": cycle,
            "kpis": carried_kpis,
            "cleaning_rules": carried_rules,
            "baselines": carried_baselines,
        },
    )
    return nxt


# -- opportunities --------------------------------------------------------------------------------

OPPORTUNITY_PROCESSES = {
    OpportunityKind.SLA_HOTSPOT: Process.SERVICE_LEVEL,
    OpportunityKind.SATISFACTION_DROP: Process.SERVICE_LEVEL,
    OpportunityKind.RECURRING_INCIDENTS: Process.PROBLEM,
}


def _opportunity_process(opportunity: Opportunity) -> str:
    definition = definition_of(opportunity.kpi_key) if opportunity.kpi_key else None
    if definition is not None and definition.process in Process.values:
        return definition.process
    return OPPORTUNITY_PROCESSES.get(opportunity.kind, Process.INCIDENT)


def _lock_opportunity(opportunity: Opportunity) -> Opportunity:
    opportunity.refresh_from_db(from_queryset=Opportunity.objects.select_for_update())
    return opportunity


@transaction.atomic
def do_start_initiative_from_opportunity(
    opportunity: Opportunity,
    *,
    actor: Any,
    owner: User | None = None,
    process: str | None = None,
) -> Initiative:
    """Turn an opportunity (open, or dismissed and reconsidered) into an initiative at step 1:
    its title and summary, its KPI as the first one, the service it is about."""
    _lock_opportunity(opportunity)
    if opportunity.status == OpportunityStatus.STARTED:
        where = f": {opportunity.initiative.reference}" if opportunity.initiative else ""
        raise ValidationError({"status": f"an initiative was started from it already{where}"})
    owner = owner or actor
    if owner is None:
        raise ValidationError({"owner": "choose who owns the initiative"})
    services: list[Service] = []
    if opportunity.dimension == "service" and opportunity.dimension_value:
        services = list(Service.objects.filter(name=opportunity.dimension_value))
    initiative = do_create_initiative(
        actor=actor,
        title=opportunity.title[:200],
        problem_statement=opportunity.summary or opportunity.title,
        process=process or _opportunity_process(opportunity),
        owner=owner,
        services=services,
        origin=Origin.OPPORTUNITY,
        origin_reference=f"opportunity {opportunity.pk}: {opportunity.get_kind_display()}",
        opportunity=opportunity,
    )
    if opportunity.kpi_key and definition_of(opportunity.kpi_key) is not None:
        do_add_initiative_kpi(initiative, actor=actor, kpi_key=opportunity.kpi_key)
    changes = apply_changes(
        opportunity,
        {"status": OpportunityStatus.STARTED, "initiative": initiative},
        ("status", "initiative"),
    )
    opportunity.save(update_fields=["status", "initiative"])
    record_event(
        EventType.OPPORTUNITY_UPDATED,
        opportunity,
        actor=actor,
        changes=changes,
        data={"initiative": initiative.pk, "started": True},
    )
    return initiative


@transaction.atomic
def do_dismiss_opportunity(opportunity: Opportunity, *, actor: Any, reason: str) -> Opportunity:
    """Not worth an initiative now, and why. The strength it had is kept: a re-scan reopens
    it only when the evidence grows past that."""
    _lock_opportunity(opportunity)
    if opportunity.status != OpportunityStatus.OPEN:
        raise ValidationError(
            {"status": f"only an open opportunity is dismissed; this one is {opportunity.status}"}
        )
    reason = _check_text(reason, "reason", "say why it is not worth an initiative")
    changes = apply_changes(
        opportunity,
        {
            "status": OpportunityStatus.DISMISSED,
            "dismissed_at": timezone.now(),
            "dismissed_by": actor,
            "dismissed_strength": opportunity.strength,
            "dismissed_reason": reason,
        },
        ("status", "dismissed_at", "dismissed_by", "dismissed_strength", "dismissed_reason"),
    )
    opportunity.save()
    record_event(EventType.OPPORTUNITY_DISMISSED, opportunity, actor=actor, changes=changes)
    return opportunity
