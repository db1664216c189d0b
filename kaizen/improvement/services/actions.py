"""Step 7, implement corrective actions: the actions, and the evaluation window that opens
when the last of them is finished."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.changes.models import Change
from kaizen.improvement.models import OPEN_STATUSES, Action, ActionStatus, Initiative, Status, Step
from kaizen.improvement.services.base import (
    check_agent,
    check_open,
    copy_into,
    local_today,
    lock,
    lock_output,
)
from kaizen.improvement.services.initiatives import close_window, evaluation_window_end
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User

ACTION_FIELDS = (
    "title",
    "description",
    "owner",
    "due_on",
    "status",
    "done_on",
    "change_reference",
    "change",
)
# What an action's own owner reports (the rest is the initiative's owner's or the CSI manager's):
# its progress, the day it was done and the change that carries it out.
ACTION_PROGRESS_FIELDS = ("status", "done_on", "change_reference")
FINISHED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)


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
                "evaluation_ends_on": evaluation_window_end(initiative, starts_on),
            },
            ("status", "evaluation_starts_on", "evaluation_ends_on"),
        )
        why = "every action is done or cancelled: the evaluation window is open"
    else:
        changes = close_window(initiative)
        why = "an action is open again: the evaluation window is closed"
    if changes:
        initiative.version += 1
        initiative.save()
        record_event(
            EventType.INITIATIVE_UPDATED,
            initiative,
            actor=actor,
            changes=changes,
            data={"reason": why, "cause": reason},
        )


def linked_change(reference: str) -> Change | None:
    """The Kaizen change a reference names, if Kaizen has it (another tool's change number is
    kept as a plain reference)."""
    reference = reference.strip()
    return Change.objects.filter(number=reference).first() if reference else None


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
    check_agent(action.owner if action.owner_id else None, "owner")


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
    lock(initiative)
    check_open(initiative)
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
            "change": linked_change(str(change_reference or "")),
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
    action: Action,
    *,
    actor: Any,
    today: dt.date | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Action:
    """Report progress on an action or change it. Done sets done_on (today unless given);
    a done action may be reopened (journaled as such: its done_on is cleared). When the last
    unfinished action is finished the evaluation window opens; reopening one closes it.
    The action is locked and read again: ActionChanged when it is no longer at
    `expected_version` (None: the caller read no version; the fields still apply to the
    stored action, never to the caller's copy). Only the changed fields are written."""
    initiative = lock(action.initiative)
    check_open(initiative)
    caller = action
    action = lock_output(
        action,
        initiative,
        expected_version,
        related=("owner", "change"),
        name=f"The action “{action.title}”",
        noun="action",
        key="action",
        event_types=(EventType.ACTION_CREATED, EventType.ACTION_UPDATED),
    )
    today = local_today(today)
    old_status = action.status
    for name in ("title", "change_reference"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    if "change_reference" in fields:
        fields["change"] = linked_change(fields["change_reference"])
    status = fields.get("status", action.status)
    if status == ActionStatus.DONE:
        if fields.get("done_on") is None and (
            old_status != ActionStatus.DONE or "done_on" in fields
        ):
            fields["done_on"] = today
    elif "status" in fields:
        # Reopened or cancelled: the day it was done goes, also when a form posts it back
        # unchanged; another day given with a status other than done is refused below.
        if fields.get("done_on") == action.done_on:
            fields["done_on"] = None
        fields.setdefault("done_on", None)
    changes = apply_changes(action, fields, ACTION_FIELDS)
    if not changes:
        copy_into(caller, action)
        return caller
    _check_action(action, today)
    action.full_clean()
    action.version += 1
    action.save(update_fields=[*changes, "version", "updated_at"])
    reopened = old_status == ActionStatus.DONE and action.status != ActionStatus.DONE
    record_event(
        EventType.ACTION_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data={"action": action.pk, "title": action.title, "reopened": reopened},
    )
    _sync_window(initiative, actor=actor, reason=f"action {action.pk} updated")
    copy_into(caller, action)
    return caller
