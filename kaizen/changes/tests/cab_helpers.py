"""CAB members, policies and changes waiting for authorisation, made through the services."""

import datetime as dt
from typing import Any

from kaizen.changes.models import ApprovalPolicy, ApprovalRound, Change
from kaizen.changes.services import approvals
from kaizen.changes.services.policies import do_create_policy
from kaizen.changes.tests.factories import T0, move, raise_change
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, User
from kaizen.testing import make_user

HOUR = dt.timedelta(hours=1)
REQUESTED_AT = T0 + 2 * HOUR


def make_cab_member(username: str, **fields: Any) -> User:
    user = make_user(username, first_name=username.capitalize(), **fields)
    people_services.do_grant_process_role(user, Process.CHANGE, Role.CAB_MEMBER, actor=None)
    return user


def only_policy(**fields: Any) -> ApprovalPolicy:
    """The one active policy, for every normal and emergency change of any risk."""
    ApprovalPolicy.objects.update(is_active=False)
    fields.setdefault("name", "Test policy")
    return do_create_policy(actor=None, at=T0, **fields)


def awaiting(raiser: User, **overrides: Any) -> Change:
    """A normal change moved to Authorise at REQUESTED_AT (its round opens then)."""
    change = raise_change(raiser, **overrides)
    if change.change_type == "normal":
        move(change, "assess", raiser, T0 + HOUR)
    move(change, "authorise", raiser, REQUESTED_AT)
    return change


def round_of(change: Change) -> ApprovalRound:
    return change.approval_rounds.order_by("-opened_at", "-id").first()


def vote(change: Change, person: User, decision: str, minutes: int = 10, **kwargs: Any):
    kwargs.setdefault("comment", "" if decision != "reject" else "Not this week.")
    approvals.do_cast_vote(
        change,
        decision,
        actor=person,
        at=REQUESTED_AT + dt.timedelta(minutes=minutes),
        **kwargs,
    )
    change.refresh_from_db()
    return round_of(change)
