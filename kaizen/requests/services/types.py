"""Request types: what an offering lets people order, its form (versioned), its approval steps
and its fulfilment tasks. Every write journaled on the request type."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ServiceOffering
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import Team, User
from kaizen.requests.form_schema import clean_fields
from kaizen.requests.models import (
    ApprovalPolicy,
    ApprovalStepTemplate,
    ApproverSource,
    Audience,
    DueAction,
    RequestFormVersion,
    RequestType,
    TaskTemplate,
)
from kaizen.requests.services.base import REQUEST_TYPES, moment
from kaizen.sla.models import SLADefinition, TargetKind

EDITABLE_FIELDS = (
    "offering",
    "name",
    "summary",
    "description",
    "is_active",
    "audience",
    "fulfilment_group",
    "delivery_target",
    "price",
    "cost",
    "currency",
)
MANY_FIELDS = ("allowed_teams", "allowed_people")
MAX_STEPS = 10
MAX_TASKS = 30


def _check_type(request_type: RequestType) -> None:
    errors: dict[str, str] = {}
    if not request_type.name.strip():
        errors["name"] = "say what is requested, e.g. New laptop"
    offering = request_type.offering
    if offering is not None and not offering.is_requestable:
        errors["offering"] = f"{offering} is not requestable: make it requestable first"
    target = request_type.delivery_target
    if target is not None and (
        target.ticket_kind != "request" or target.kind != TargetKind.RESOLUTION
    ):
        errors["delivery_target"] = "choose a resolution definition of service requests"
    if errors:
        raise ValidationError(errors)
    try:
        request_type.full_clean(exclude=["current_form", *MANY_FIELDS])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _set_many(request_type: RequestType, fields: Mapping[str, Any]) -> None:
    for name in MANY_FIELDS:
        if name in fields:
            getattr(request_type, name).set(list(fields[name] or []))


def _check_audience(request_type: RequestType) -> None:
    if request_type.audience == Audience.RESTRICTED and not (
        request_type.allowed_teams.exists() or request_type.allowed_people.exists()
    ):
        raise ValidationError(
            {"audience": "name the teams or people who may request it, or open it to everyone"}
        )


def _new_form(
    request_type: RequestType, fields: list[dict[str, Any]], actor: User | None, at: dt.datetime
) -> RequestFormVersion:
    latest = request_type.forms.order_by("-number").values_list("number", flat=True).first()
    return RequestFormVersion.objects.create(
        request_type=request_type,
        number=(latest or 0) + 1,
        fields=fields,
        created_at=at,
        created_by=actor,
    )


@transaction.atomic
def do_create_request_type(
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    form_fields: Sequence[Mapping[str, Any]] = (),
    **fields: Any,
) -> RequestType:
    """A request type with its first form version (which may ask nothing: a form with no
    fields is an order with one button)."""
    at = moment(at)
    cleaned_form = clean_fields(list(form_fields))
    request_type = RequestType(created_at=at, updated_at=at)
    apply_changes(
        request_type, {k: v for k, v in fields.items() if k not in MANY_FIELDS}, EDITABLE_FIELDS
    )
    _check_type(request_type)
    request_type.save()
    _set_many(request_type, fields)
    _check_audience(request_type)
    request_type.current_form = _new_form(request_type, cleaned_form, actor, at)
    request_type.save(update_fields=["current_form"])
    REQUEST_TYPES.record_created(
        EventType.REQUEST_TYPE_CREATED,
        request_type,
        actor=actor,
        at=at,
        data={"form_version": 1, "form_fields": cleaned_form},
    )
    return request_type


@transaction.atomic
def do_update_request_type(
    request_type: RequestType,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> RequestType:
    at = moment(at)
    locked = REQUEST_TYPES.lock(request_type, expected_version)
    before = REQUEST_TYPES.snapshot(locked)
    apply_changes(
        locked, {k: v for k, v in fields.items() if k not in MANY_FIELDS}, EDITABLE_FIELDS
    )
    _check_type(locked)
    _set_many(locked, fields)
    _check_audience(locked)
    REQUEST_TYPES.finish(
        locked, request_type, before, EventType.REQUEST_TYPE_UPDATED, actor=actor, at=at
    )
    return request_type


@transaction.atomic
def do_change_form(
    request_type: RequestType,
    form_fields: Any,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> RequestFormVersion:
    """A new form version becomes the one requesters fill; requests made with an earlier one
    keep it (what they asked never changes). Giving the same fields again changes nothing."""
    at = moment(at)
    cleaned = clean_fields(form_fields)
    locked = REQUEST_TYPES.lock(request_type, expected_version)
    current = locked.current_form
    if current is not None and current.fields == cleaned:
        return current
    before = REQUEST_TYPES.snapshot(locked)
    locked.current_form = _new_form(locked, cleaned, actor, at)
    REQUEST_TYPES.finish(
        locked,
        request_type,
        before,
        EventType.REQUEST_FORM_CHANGED,
        actor=actor,
        at=at,
        data={"form_version": locked.current_form.number, "form_fields": cleaned},
    )
    return locked.current_form


def _whole(value: Any, name: str, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    errors[name] = "a whole number, 0 or more"
    return None


def _check_step(position: int, step: Any) -> dict[str, Any]:
    """One approval step in its stored shape; ValueError with the reason."""
    if not isinstance(step, Mapping):
        raise ValueError("give an object with name, approver_source and policy")
    errors: dict[str, str] = {}
    name = str(step.get("name") or "").strip()
    if not name:
        errors["name"] = "say who approves, e.g. Line manager"
    source = step.get("approver_source")
    if source not in ApproverSource.values:
        errors["approver_source"] = f"one of {', '.join(ApproverSource.values)}"
    policy = step.get("policy") or ApprovalPolicy.ANY
    if policy not in ApprovalPolicy.values:
        errors["policy"] = f"one of {', '.join(ApprovalPolicy.values)}"
    due_action = step.get("due_action") or DueAction.REJECT
    if due_action not in DueAction.values:
        errors["due_action"] = f"one of {', '.join(DueAction.values)}"
    required = _whole(step.get("required"), "required", errors)
    due_hours = _whole(step.get("due_hours"), "due_hours", errors)
    team = people = None
    if source == ApproverSource.TEAM:
        team = (
            Team.objects.filter(pk=step.get("team"), is_active=True).first()
            if step.get("team")
            else None
        )
        if team is None:
            errors["team"] = "choose the active team whose members approve"
    elif step.get("team"):
        errors["team"] = "only for a step approved by a team's members"
    if source == ApproverSource.PEOPLE:
        wanted = step.get("people") or []
        if not isinstance(wanted, list) or not wanted:
            errors["people"] = "name the people who approve"
        else:
            people = list(User.objects.filter(pk__in=wanted, is_active=True))
            if len(people) != len(set(wanted)):
                errors["people"] = "some of them are not active people"
    elif step.get("people"):
        errors["people"] = "only for a step approved by named people"
    if policy == ApprovalPolicy.K_OF_N:
        if not required:
            errors["required"] = "say how many of the approvers must approve (k)"
        elif people is not None and required > len(people):
            errors["required"] = f"more than the {len(people)} people named"
    elif required is not None:
        errors["required"] = "only for the k of n policy"
    if source in (ApproverSource.REQUESTER_MANAGER, ApproverSource.SERVICE_OWNER) and (
        policy == ApprovalPolicy.K_OF_N
    ):
        errors["policy"] = "one person approves this step: choose any one"
    if due_hours == 0:
        errors["due_hours"] = "at least 1 hour, or empty for no due date"
    if errors:
        raise ValueError("; ".join(f"{key}: {message}" for key, message in errors.items()))
    return {
        "position": position,
        "name": name,
        "approver_source": source,
        "team": team,
        "people": people or [],
        "policy": policy,
        "required": required,
        "due_hours": due_hours,
        "due_action": due_action,
    }


def describe_steps(request_type: RequestType) -> list[dict[str, Any]]:
    """The steps as the journal and the API show them."""
    return [
        {
            "position": step.position,
            "name": step.name,
            "approver_source": step.approver_source,
            "team": step.team_id,
            "people": sorted(person.pk for person in step.people.all()),
            "policy": step.policy,
            "required": step.required,
            "due_hours": step.due_hours,
            "due_action": step.due_action,
        }
        for step in request_type.approval_steps.prefetch_related("people")
    ]


@transaction.atomic
def do_set_approval_steps(
    request_type: RequestType,
    steps: Any,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> list[ApprovalStepTemplate]:
    """Replace the type's approval steps (in the order given). Requests already submitted keep
    the steps they were given."""
    at = moment(at)
    if not isinstance(steps, list):
        raise ValidationError({"steps": "give the approval steps as a list"})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": f"at most {MAX_STEPS} approval steps"})
    cleaned = []
    for position, step in enumerate(steps, start=1):
        try:
            cleaned.append(_check_step(position, step))
        except ValueError as error:
            raise ValidationError({"steps": f"step {position}: {error}"}) from None
    locked = REQUEST_TYPES.lock(request_type, expected_version)
    before_steps = describe_steps(locked)
    locked.approval_steps.all().delete()
    for step in cleaned:
        people = step.pop("people")
        row = ApprovalStepTemplate.objects.create(request_type=locked, **step)
        row.people.set(people)
    after_steps = describe_steps(locked)
    if after_steps != before_steps:
        before = REQUEST_TYPES.snapshot(locked)
        REQUEST_TYPES.finish(
            locked,
            request_type,
            before,
            EventType.REQUEST_APPROVAL_STEPS_SET,
            actor=actor,
            at=at,
            changes={"approval_steps": {"old": before_steps, "new": after_steps}},
        )
    return list(locked.approval_steps.all())


def describe_tasks(request_type: RequestType) -> list[dict[str, Any]]:
    return [
        {
            "position": task.position,
            "title": task.title,
            "instructions": task.instructions,
            "team": task.team_id,
        }
        for task in request_type.task_templates.all()
    ]


def _check_task(task: Any) -> dict[str, Any]:
    if not isinstance(task, Mapping):
        raise ValueError("give an object with title, team and position")
    errors: dict[str, str] = {}
    title = str(task.get("title") or "").strip()
    if not title:
        errors["title"] = "say what is to be done"
    position = _whole(task.get("position", 1), "position", errors) or 1
    team = (
        Team.objects.filter(pk=task.get("team"), is_active=True).first()
        if task.get("team")
        else None
    )
    if team is None:
        errors["team"] = "choose the active team that does it"
    if errors:
        raise ValueError("; ".join(f"{key}: {message}" for key, message in errors.items()))
    return {
        "position": position,
        "title": title,
        "instructions": str(task.get("instructions") or "").strip(),
        "team": team,
    }


@transaction.atomic
def do_set_task_templates(
    request_type: RequestType,
    tasks: Any,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> list[TaskTemplate]:
    """Replace the type's fulfilment tasks. Tasks with the same position run in parallel; a
    higher position starts when every lower one is done."""
    at = moment(at)
    if not isinstance(tasks, list):
        raise ValidationError({"tasks": "give the fulfilment tasks as a list"})
    if len(tasks) > MAX_TASKS:
        raise ValidationError({"tasks": f"at most {MAX_TASKS} tasks"})
    cleaned = []
    for number, task in enumerate(tasks, start=1):
        try:
            cleaned.append(_check_task(task))
        except ValueError as error:
            raise ValidationError({"tasks": f"task {number}: {error}"}) from None
    locked = REQUEST_TYPES.lock(request_type, expected_version)
    before_tasks = describe_tasks(locked)
    locked.task_templates.all().delete()
    TaskTemplate.objects.bulk_create(TaskTemplate(request_type=locked, **task) for task in cleaned)
    after_tasks = describe_tasks(locked)
    if after_tasks != before_tasks:
        before = REQUEST_TYPES.snapshot(locked)
        REQUEST_TYPES.finish(
            locked,
            request_type,
            before,
            EventType.REQUEST_TASK_TEMPLATES_SET,
            actor=actor,
            at=at,
            changes={"task_templates": {"old": before_tasks, "new": after_tasks}},
        )
    return list(locked.task_templates.all())


def requestable_offerings() -> Any:
    return ServiceOffering.objects.filter(is_requestable=True, is_active=True).select_related(
        "service"
    )


def request_definitions() -> Any:
    """The resolution definitions a request type may name as its delivery target."""
    return SLADefinition.objects.filter(
        ticket_kind="request", kind=TargetKind.RESOLUTION, is_active=True
    )
