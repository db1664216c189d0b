"""Goals: the tree from the vision down to operational goals, their critical success
factors and the KPIs that show whether they are reached."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.improvement.models import PARENT_LEVEL, CriticalSuccessFactor, Goal, GoalKPI, GoalLevel
from kaizen.improvement.selectors import child_level, definition_of
from kaizen.improvement.services.base import check_agent, check_number, check_text
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User

GOAL_FIELDS = ("level", "title", "description", "parent", "owner", "starts_on", "ends_on")
# Each level as a message names one, with its article ("an operational goal").
A_GOAL_OF_LEVEL = {
    GoalLevel.VISION: "a vision",
    GoalLevel.STRATEGY: "a strategy",
    GoalLevel.TACTICAL: "a tactical goal",
    GoalLevel.OPERATIONAL: "an operational goal",
}


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
                f"the parent of {A_GOAL_OF_LEVEL[GoalLevel(goal.level)]} is "
                f"{A_GOAL_OF_LEVEL[GoalLevel(wanted)]}, not "
                f"{A_GOAL_OF_LEVEL[GoalLevel(parent.level)]}"
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
        check_agent(goal.owner, "owner")


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
        below = goal.children.exclude(level=child_level(goal.level))
        if below.exists():
            raise ValidationError(
                {"level": "its sub-goals would no longer be one level below it: move them first"}
            )
    _check_goal(goal)
    goal.full_clean()
    goal.save()
    record_event(EventType.GOAL_UPDATED, goal, actor=actor, changes=changes)
    return goal


@transaction.atomic
def do_add_success_factor(
    goal: Goal, *, actor: Any, title: str, description: str = ""
) -> CriticalSuccessFactor:
    title = check_text(title, "title", "say what must go right")
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
    target = check_number(target, "target")
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
