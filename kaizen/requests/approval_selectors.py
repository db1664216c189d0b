"""Reads of the approval pages: what waits for a person's decision (their own votes and those
of people away who delegated to them), a request's steps with their votes, delegations."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from kaizen.people.delegations import delegators_of
from kaizen.people.models import Delegation, User
from kaizen.requests.models import (
    ApprovalVote,
    Decision,
    RequestApproval,
    ServiceRequest,
    State,
    StepState,
)


def pending_decisions(user: User, now: dt.datetime) -> QuerySet[ApprovalVote]:
    """The votes `user` may decide now: pending, on a step awaiting decisions of a request
    awaiting approval, theirs or a delegator's; due soonest first (no due date last)."""
    people = [user.pk, *delegators_of(user, now)]
    return (
        ApprovalVote.objects.filter(
            approver__in=people,
            decision=Decision.PENDING,
            approval__state=StepState.PENDING,
            approval__request__state=State.AWAITING_APPROVAL,
        )
        .exclude(approval__request__requested_for=user)
        .exclude(approval__request__requested_by=user)
        .select_related(
            "approver",
            "approval__request__request_type",
            "approval__request__requested_for",
            "approval__request__requested_by",
        )
        .order_by("approval__due_at", "approval__started_at", "pk")
    )


def decided_recently(user: User, limit: int = 30) -> QuerySet[ApprovalVote]:
    return (
        ApprovalVote.objects.filter(decided_by=user)
        .select_related("approver", "approval__request")
        .order_by("-decided_at", "-pk")[:limit]
    )


def approvals_of(request: ServiceRequest) -> list[RequestApproval]:
    """The request's steps in order, each with its votes (approver and who decided) read in one
    query."""
    votes = ApprovalVote.objects.select_related("approver", "decided_by").order_by("pk")
    return list(
        request.approvals.order_by("position").prefetch_related(Prefetch("votes", queryset=votes))
    )


def can_decide(user: User, request: ServiceRequest, now: dt.datetime) -> bool:
    """Whether `user` holds a pending vote of the request's current step (own or delegated)."""
    if not user.is_authenticated or user.pk in (request.requested_for_id, request.requested_by_id):
        return False
    if request.state != State.AWAITING_APPROVAL:
        return False
    people = [user.pk, *delegators_of(user, now)]
    return ApprovalVote.objects.filter(
        approval__request=request,
        approval__state=StepState.PENDING,
        decision=Decision.PENDING,
        approver__in=people,
    ).exists()


def delegations_of(user: User) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-starts_at", "-pk")
    )
