"""Approval policies: created and edited by change managers, each write journaled with its old
and new values. An edit never touches an open approval round (it keeps its copy)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.changes.models import ApprovalPolicy, Route, Rule
from kaizen.changes.services.base import moment
from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event, to_journal_value
from kaizen.people.models import User

POLICY_FIELDS = (
    "name",
    "description",
    "position",
    "change_type",
    "min_risk",
    "max_risk",
    "route",
    "team",
    "rule",
    "required",
    "change_manager_too",
    "tie_action",
    "due_hours",
    "due_action",
    "is_active",
)


def check_policy(policy: ApprovalPolicy) -> None:
    """The rules that name the field: a risk range in order, a team for the team route, a
    number for k of n, a due time of at least an hour."""
    errors: dict[str, str] = {}
    if not policy.name.strip():
        errors["name"] = "give the policy a name"
    elif ApprovalPolicy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists():
        errors["name"] = f"another policy is called {policy.name!r}"
    if policy.min_risk > policy.max_risk:
        errors["max_risk"] = "the highest risk cannot be below the lowest"
    if policy.route == Route.TEAM and policy.team_id is None:
        errors["team"] = "name the team whose members approve"
    if policy.route != Route.TEAM and policy.team_id is not None:
        errors["team"] = "only the team route names a team"
    if policy.rule == Rule.COUNT and not policy.required:
        errors["required"] = "say how many approvers must approve (k of n)"
    if policy.rule == Rule.ALL and policy.required:
        errors["required"] = "every approver approves: leave the number empty"
    if policy.due_hours < 1:
        errors["due_hours"] = "give at least one hour"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_policy(
    *, actor: User | None, at: dt.datetime | None = None, **fields: Any
) -> ApprovalPolicy:
    at = moment(at)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not a policy field: {', '.join(sorted(unknown))}")
    policy = ApprovalPolicy(updated_at=at, **fields)
    check_policy(policy)
    policy.save()
    record_event(
        EventType.CHANGE_APPROVAL_POLICY_CREATED,
        policy,
        actor=actor,
        occurred_at=at,
        changes={
            name: {"old": None, "new": to_journal_value(getattr(policy, name))}
            for name in POLICY_FIELDS
        },
    )
    return policy


@transaction.atomic
def do_update_policy(
    policy: ApprovalPolicy,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> ApprovalPolicy:
    at = moment(at)
    locked = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            f"the policy changed since you read it (version {expected_version}, now "
            f"{locked.version}): reload it and make your change again"
        )
    changes = apply_changes(locked, fields, POLICY_FIELDS)
    if not changes:
        return locked
    check_policy(locked)
    locked.version += 1
    locked.updated_at = at
    locked.save()
    record_event(
        EventType.CHANGE_APPROVAL_POLICY_UPDATED,
        locked,
        actor=actor,
        occurred_at=at,
        changes=changes,
    )
    return locked
