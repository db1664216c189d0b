"""Raising a problem and editing what it says: its statement, scope, owner, and the analysis
(workaround, root cause with its category and structured analysis, fix)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.core.numbering import NumberFormat, keep_number
from kaizen.core.numbering import next_number as next_number_of
from kaizen.core.priority import check_impact_urgency, priority_of
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User
from kaizen.problems.models import (
    FOUR_PS,
    AnalysisMethod,
    CauseCategory,
    Origin,
    Problem,
    State,
)
from kaizen.problems.services.base import PROBLEMS, moment, refresh_clocks

PROBLEM_NUMBERS = NumberFormat(sequence="problem", prefix="PRB")

# What describes the problem and who works it.
DESCRIPTION_FIELDS = (
    "statement",
    "description",
    "category",
    "impact",
    "urgency",
    "owner",
    "assignment_group",
)
# What the investigation finds (problem managers and the problem's owner and group).
ANALYSIS_FIELDS = (
    "workaround",
    "root_cause",
    "cause_category",
    "analysis_method",
    "analysis",
    "fix",
    "fix_change_number",
)
EDITABLE_FIELDS = (*DESCRIPTION_FIELDS, *ANALYSIS_FIELDS)
FIVE_WHYS_MAX = 7


def next_number() -> str:
    return next_number_of(
        PROBLEM_NUMBERS, taken=lambda number: Problem.objects.filter(number=number).exists()
    )


def check_number(number: str) -> str:
    """An imported or given number: free, and the counter moved past it."""
    return keep_number(PROBLEM_NUMBERS, number, Problem, "problem")


def _check_analysis(method: str, analysis: Any) -> dict[str, str]:
    """The structured analysis must have the shape of its method."""
    if method == AnalysisMethod.NONE:
        return {"analysis": "choose an analysis method first"} if analysis else {}
    if method == AnalysisMethod.FIVE_WHYS:
        steps = analysis.get("steps") if isinstance(analysis, dict) else None
        if not isinstance(steps, list) or not all(
            isinstance(step, dict)
            and isinstance(step.get("why"), str)
            and isinstance(step.get("because"), str)
            for step in steps
        ):
            return {"analysis": 'five whys: {"steps": [{"why": "...", "because": "..."}, ...]}'}
        if len(steps) > FIVE_WHYS_MAX:
            return {"analysis": f"at most {FIVE_WHYS_MAX} whys"}
        return {}
    if method == AnalysisMethod.FOUR_PS:
        keys = {key for key, _ in FOUR_PS}
        if not isinstance(analysis, dict) or set(analysis) - keys:
            return {"analysis": f"the four Ps are {', '.join(sorted(keys))}"}
        if not all(
            isinstance(causes, list) and all(isinstance(cause, str) for cause in causes)
            for causes in analysis.values()
        ):
            return {"analysis": "each of the four Ps holds a list of causes (text)"}
        return {}
    return {"analysis_method": f"{method!r} is not an analysis method"}


def normalised_analysis(method: str, analysis: Any) -> Any:
    """Blank whys and causes dropped, so an empty row in a form records nothing."""
    if method == AnalysisMethod.FIVE_WHYS and isinstance(analysis, dict):
        steps = [
            {"why": step["why"].strip(), "because": step["because"].strip()}
            for step in analysis.get("steps", [])
            if isinstance(step, dict) and (step.get("why", "").strip() or step.get("because", ""))
        ]
        return {"steps": steps} if steps else {}
    if method == AnalysisMethod.FOUR_PS and isinstance(analysis, dict):
        kept = {
            key: [cause.strip() for cause in causes if isinstance(cause, str) and cause.strip()]
            for key, causes in analysis.items()
            if isinstance(causes, list)
        }
        return {key: causes for key, causes in kept.items() if causes}
    return analysis


def check_problem(problem: Problem) -> None:
    """The rules between fields, each error on the field to correct."""
    errors: dict[str, str] = {}
    if not problem.statement.strip():
        errors["statement"] = "say in a line what keeps going wrong"
    errors.update(check_impact_urgency(problem.impact, problem.urgency))
    if problem.cause_category and problem.cause_category not in CauseCategory.values:
        errors["cause_category"] = f"{problem.cause_category!r} is not a cause category"
    if problem.cause_category and not problem.root_cause.strip():
        errors["root_cause"] = "describe the root cause its category names"
    errors.update(_check_analysis(problem.analysis_method, problem.analysis))
    if problem.owner_id and not problem.owner.is_active:
        errors["owner"] = f"{problem.owner} is no longer active"
    if errors:
        raise ValidationError(errors)


def _check_fix_change(number: str) -> None:
    """A fix change is named by a change's number: it must exist (once changes exist)."""
    if number and not tickets_numbered("change", [number]):
        raise ValidationError({"fix_change_number": f"there is no change {number}"})


def _stamp_analysis(problem: Problem, at: dt.datetime) -> None:
    """The times the KPIs read: first root cause, first workaround."""
    if problem.root_cause.strip() and problem.root_cause_at is None:
        problem.root_cause_at = at
    if problem.workaround.strip() and problem.workaround_at is None:
        problem.workaround_at = at


def derive(problem: Problem) -> None:
    problem.priority = priority_of(problem.impact, problem.urgency) or problem.priority
    problem.analysis = normalised_analysis(problem.analysis_method, problem.analysis)


@transaction.atomic
def do_raise_problem(
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    number: str | None = None,
    services: Iterable[Service] = (),
    configuration_items: Iterable[ConfigurationItem] = (),
    origin: str = Origin.RAISED,
    imported_from: str = "",
    reference_only: bool = False,
    source_attributes: dict[str, Any] | None = None,
    **fields: Any,
) -> Problem:
    """Raise a problem in New. `fields` are EDITABLE_FIELDS; `number` keeps an imported
    number. Link its incidents with services.links.do_link_incidents."""
    at = moment(at)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable when raising: {', '.join(sorted(unknown))}")
    problem = Problem(
        opened_at=at,
        updated_at=at,
        raised_by=actor,
        origin=origin,
        imported_from=imported_from,
        reference_only=reference_only,
        source_attributes=source_attributes or {},
        **fields,
    )
    derive(problem)
    check_problem(problem)
    _check_fix_change(problem.fix_change_number)
    _stamp_analysis(problem, at)
    problem.number = check_number(number) if number else next_number()
    problem.save()
    problem.services.set(list(services))
    problem.configuration_items.set(list(configuration_items))
    record_event(
        EventType.PROBLEM_CREATED,
        problem,
        actor=actor,
        changes=PROBLEMS.initial_changes(problem),
        occurred_at=at,
    )
    refresh_clocks(problem)
    return problem


def refuse_if_closed(problem: Problem, field: str = "state") -> None:
    if problem.state == State.CLOSED:
        raise ValidationError(
            {field: f"{problem.number} is closed: re-open it for re-analysis to change it"}
        )


@transaction.atomic
def do_update_problem(
    problem: Problem,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    services: Iterable[Service] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    **fields: Any,
) -> Problem:
    """Edit what the problem says (EDITABLE_FIELDS, and its services and CIs when given).
    A closed problem is re-opened before it changes."""
    at = moment(at)
    locked = PROBLEMS.lock(problem, expected_version)
    refuse_if_closed(locked, next(iter(fields), "state"))
    before = PROBLEMS.snapshot(locked)
    changed = set(apply_changes(locked, fields, EDITABLE_FIELDS))
    if services is not None and set(services) != set(locked.services.all()):
        locked.services.set(list(services))
    if configuration_items is not None and set(configuration_items) != set(
        locked.configuration_items.all()
    ):
        locked.configuration_items.set(list(configuration_items))
    derive(locked)
    check_problem(locked)
    if "fix_change_number" in changed:
        _check_fix_change(locked.fix_change_number)
    _stamp_analysis(locked, at)
    PROBLEMS.finish(locked, problem, before, EventType.PROBLEM_UPDATED, actor=actor, at=at)
    return locked
