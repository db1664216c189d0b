"""How the request events read in a request's and a request type's history
(kaizen/journal/presenting.py): the form's fields as sentences ("Model (choice, required):
Standard 14-inch / Developer 16-inch"), the answers by their question, approval steps and tasks
by who does them, comments and files by their words and names — never raw JSON."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import formats

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.journal.ticket_activity import register_ticket_activity_shapes
from kaizen.people.models import Team, User
from kaizen.requests.form_schema import FIELD_TYPES
from kaizen.requests.models import (
    ApprovalPolicy,
    ApproverSource,
    DueAction,
    RequestAttachment,
    RequestComment,
    State,
)
from kaizen.requests.permissions import can_work_requests, is_party_to


def _may_read(reader: Any, request: Any, work_note: bool) -> bool:
    if can_work_requests(reader):
        return True
    return not work_note and is_party_to(reader, request)


def _words(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _day(value: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), "j M Y")
    except ValueError:
        return value


def _condition(condition: Mapping[str, Any]) -> str:
    values = [condition["equals"]] if "equals" in condition else condition.get("in", [])
    said = " or ".join(
        ("yes" if value else "no") if isinstance(value, bool) else str(value) for value in values
    )
    return f"asked when {condition['field']} is {said}"


def field_text(field: Mapping[str, Any]) -> str:
    """One form field: "Needed by (date, required, from 1 Jan 2026)"."""
    kind = FIELD_TYPES.get(field.get("type", ""), str(field.get("type", ""))).lower()
    notes = [kind]
    if field.get("required"):
        notes.append("required")
    if field.get("show_if"):
        notes.append(_condition(field["show_if"]))
    for low, high, unit in (
        ("min_length", "max_length", "characters"),
        ("min_choices", "max_choices", "options"),
        ("min", "max", ""),
    ):
        shown = [
            _day(str(field[name])) if field.get("type") == "date" else str(field[name])
            for name in (low, high)
            if field.get(name) not in (None, "")
        ]
        if low in field and high in field:
            notes.append(f"{shown[0]} to {shown[1]} {unit}".strip())
        elif low in field:
            notes.append(f"at least {shown[0]} {unit}".strip())
        elif high in field:
            notes.append(f"at most {shown[0]} {unit}".strip())
    text = f"{field.get('label', field.get('key', ''))} ({', '.join(notes)})"
    if field.get("choices"):
        text += ": " + " / ".join(str(choice) for choice in field["choices"])
    return text


def form_text(value: Any) -> str:
    if not value:
        return "no questions"
    if not isinstance(value, list):
        return str(value)
    return "; ".join(field_text(field) for field in value if isinstance(field, Mapping))


def answer_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        return _day(value)
    return str(value)


def answers_text(value: Any) -> str:
    """The answers by their question's key in words: "Model: Developer 16-inch; Needed by:
    1 May 2026" (the request page shows them with the form's own labels)."""
    if not value:
        return "none"
    if not isinstance(value, Mapping):
        return str(value)
    return "; ".join(f"{_words(key)}: {answer_text(answer)}" for key, answer in value.items())


def _names(model: Any, ids: set[Any]) -> dict[Any, str]:
    return {row.pk: str(row) for row in model.objects.filter(pk__in=ids)} if ids else {}


def steps_text(value: Any) -> str:
    """ "1. Line manager: the requester's manager, any one; 2. Security: members of Security,
    all of them, within 24 hours (else reject)"."""
    if not value:
        return "none"
    if not isinstance(value, list):
        return str(value)
    teams = _names(Team, {step.get("team") for step in value if step.get("team")})
    people = _names(User, {pk for step in value for pk in step.get("people") or []})
    sources = dict(ApproverSource.choices)
    policies = dict(ApprovalPolicy.choices)
    actions = dict(DueAction.choices)
    parts = []
    for step in value:
        source = step.get("approver_source")
        who = sources.get(source, str(source)).lower()
        if source == ApproverSource.TEAM:
            who = f"members of {teams.get(step.get('team'), 'a removed team')}"
        elif source == ApproverSource.PEOPLE:
            who = ", ".join(people.get(pk, "someone removed") for pk in step.get("people") or [])
        policy = step.get("policy")
        how = (
            f"{step.get('required')} of them"
            if policy == ApprovalPolicy.K_OF_N
            else policies.get(policy, str(policy)).lower()
        )
        text = f"{step.get('position')}. {step.get('name')}: {who}, {how}"
        if step.get("due_hours"):
            action = actions.get(step.get("due_action"), "").lower()
            text += f", within {step['due_hours']} hours (else {action})"
        parts.append(text)
    return "; ".join(parts)


def tasks_text(value: Any) -> str:
    """ "1. Order the laptop (Purchasing); 2. Set it up (Desktop support)"."""
    if not value:
        return "none"
    if not isinstance(value, list):
        return str(value)
    teams = _names(Team, {task.get("team") for task in value if task.get("team")})
    return "; ".join(
        f"{task.get('position')}. {task.get('title')} ({teams.get(task.get('team'), 'no team')})"
        for task in value
    )


HIDDEN = Key(hidden=True)
# What the clocks read is derived from the state: the state line says it.
CLOCK_KEYS = {"clock_phase": HIDDEN, "clock_hold_reason": HIDDEN}

register_event_shape(
    EventType.REQUEST_TYPE_CREATED,
    creates=True,
    change_keys={"is_active": Key("Can be requested")},
    keys={"form_fields": Key("Form", text=form_text, whole=True), "form_version": HIDDEN},
)
register_event_shape(
    EventType.REQUEST_TYPE_UPDATED, change_keys={"is_active": Key("Can be requested")}
)
register_event_shape(
    EventType.REQUEST_FORM_CHANGED,
    keys={"form_fields": Key("New form", text=form_text, whole=True), "form_version": HIDDEN},
)
register_event_shape(
    EventType.REQUEST_APPROVAL_STEPS_SET,
    change_keys={"approval_steps": Key("Approval steps", text=steps_text, whole=True)},
)
register_event_shape(
    EventType.REQUEST_TASK_TEMPLATES_SET,
    change_keys={"task_templates": Key("Fulfilment tasks", text=tasks_text, whole=True)},
)
register_event_shape(
    EventType.REQUEST_SUBMITTED,
    creates=True,
    change_keys={"answers": Key("Answers", text=answers_text, whole=True), **CLOCK_KEYS},
)
register_event_shape(EventType.REQUEST_UPDATED, change_keys=CLOCK_KEYS)
register_event_shape(
    EventType.REQUEST_STATE_CHANGED,
    change_keys=CLOCK_KEYS,
    keys={"from": HIDDEN, "to": HIDDEN},
)
register_ticket_activity_shapes(
    comment_model=RequestComment,
    attachment_model=RequestAttachment,
    comment_events=(EventType.REQUEST_COMMENTED, EventType.REQUEST_WORK_NOTE_ADDED),
    attachment_event=EventType.REQUEST_ATTACHMENT_ADDED,
    may_read=_may_read,
)

__all__ = ["State", "answers_text", "form_text", "steps_text", "tasks_text"]
