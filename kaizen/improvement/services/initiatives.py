"""Initiatives: registering one, changing it, and moving it through the seven steps (on
to the next when its gate passes, back to an earlier one with a reason)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.improvement.gates import GateBlocked, gate
from kaizen.improvement.models import (
    GateMode,
    Goal,
    Initiative,
    Opportunity,
    Origin,
    Priority,
    Status,
    Step,
)
from kaizen.improvement.services.base import check_agent, check_open, check_text, lock, resolve
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, m2m_change, record_event
from kaizen.journal.tracking import TrackedRecord
from kaizen.people.models import Process, User

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

# How an initiative is locked, saved and journaled (kaizen/journal/tracking.py): an edit locks
# and re-reads the row, refuses a stale `expected_version` and writes only what changed. Every
# change of these fields is journaled on the initiative (creation, edits, steps, decisions,
# the evaluation window, the evaluation), so `kaizen journal verify` folds them back.
INITIATIVES = TrackedRecord(
    model=Initiative,
    tracked_fields=(
        *INITIATIVE_FIELDS,
        "status",
        "current_step",
        "cycle",
        "previous",
        "evaluation_starts_on",
        "evaluation_ends_on",
        "closed_at",
        "services",
        "goals",
    ),
    many_fields=("services", "goals"),
    related_fields=("owner",),
    versioned_events=(
        EventType.INITIATIVE_CREATED,
        EventType.INITIATIVE_UPDATED,
        EventType.INITIATIVE_STEP_CHANGED,
        EventType.DECISION_RECORDED,
        EventType.EVALUATION_RECORDED,
    ),
    label_field="title",
    label=lambda initiative: initiative.reference,
    noun="initiative",
)


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
    check_agent(initiative.owner if initiative.owner_id else None, "owner")


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
    changes.update(set_relations(initiative, services=services, goals=goals, creating=True))
    record_event(EventType.INITIATIVE_CREATED, initiative, actor=actor, changes=changes)
    return initiative


def set_relations(
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
        new = resolve(model, items, name)
        manager = getattr(initiative, name)
        old = [] if creating else list(manager.all())
        change = m2m_change(old, new)
        if change:
            manager.set(new)
            changes[name] = change
    return changes


@transaction.atomic
def do_update_initiative(
    initiative: Initiative, *, actor: Any, expected_version: int | None = None, **fields: Any
) -> Initiative:
    """Change what the initiative is about, who owns it, its gate mode or its evaluation
    window (while evaluating, the window's end moves with it). `services` and `goals` are
    the whole new lists. Raises VersionConflict when the initiative is no longer at
    `expected_version` (None: the caller read no version; the fields given still apply to the
    stored row, never to the caller's copy)."""
    locked = INITIATIVES.lock(initiative, expected_version)
    check_open(locked)
    before = INITIATIVES.snapshot(locked)
    services, goals = fields.pop("services", None), fields.pop("goals", None)
    for name in ("title", "problem_statement"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    changes = apply_changes(locked, fields, INITIATIVE_EDITABLE)
    if "evaluation_window_days" in changes and locked.evaluation_starts_on:
        apply_changes(
            locked,
            {"evaluation_ends_on": evaluation_window_end(locked, locked.evaluation_starts_on)},
            ("evaluation_ends_on",),
        )
    _check_initiative(locked)
    locked.full_clean()
    set_relations(locked, services=services, goals=goals)
    INITIATIVES.finish(locked, initiative, before, EventType.INITIATIVE_UPDATED, actor=actor)
    return initiative


def evaluation_window_end(initiative: Initiative, starts_on: dt.date) -> dt.date:
    return starts_on + dt.timedelta(days=initiative.evaluation_window_days - 1)


# -- moving through the steps ---------------------------------------------------------------------


@transaction.atomic
def do_advance_step(
    initiative: Initiative, *, actor: Any, override_reason: str = "", today: dt.date | None = None
) -> Initiative:
    """Pass the current step's gate and move to the next step. Strict mode: only with nothing
    missing (GateBlocked otherwise). Advisory mode: with outputs missing when a reason is
    given; the journal keeps what was missing and the reason. Step 7 is the last: the
    evaluation closes the cycle."""
    lock(initiative)
    check_open(initiative)
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
    initiative.version += 1
    initiative.save(update_fields=["current_step", "version", "updated_at"])
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


def close_window(initiative: Initiative) -> dict[str, Any]:
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
    lock(initiative)
    check_open(initiative)
    current = int(initiative.current_step)
    try:
        step = int(step)
    except (TypeError, ValueError) as error:
        raise ValidationError({"step": "a step number"}) from error
    if not 1 <= step < current:
        raise ValidationError({"step": f"an earlier step than the current one ({current})"})
    reason = check_text(reason, "reason", "say why the step is done again")
    changes = {"current_step": {"old": current, "new": step}}
    initiative.current_step = step
    changes.update(close_window(initiative))
    initiative.version += 1
    initiative.save()
    record_event(
        EventType.INITIATIVE_STEP_CHANGED,
        initiative,
        actor=actor,
        changes=changes,
        data={"from": current, "to": step, "reason": reason, "returned": True},
    )
    return initiative
