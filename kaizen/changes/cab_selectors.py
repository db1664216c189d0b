"""Reads of the CAB part narrowed to the user: the approval inbox, the votes a person may cast
on a round (their own, or as a delegate), policies, rounds and meetings."""

import datetime as dt
from typing import NamedTuple

from django.db.models import Count, Prefetch, Q, QuerySet

from kaizen.changes.models import (
    OPEN_ROUND_STATUSES,
    AgendaItem,
    ApprovalPolicy,
    ApprovalRound,
    Approver,
    ApproverGroup,
    CabMeeting,
    Change,
    Delegation,
    RoundStatus,
    State,
)
from kaizen.changes.permissions import can_view_approvals
from kaizen.people.delegations import active_delegations, delegators_of
from kaizen.people.models import User

# How long "decided by me recently" looks back in the inbox.
RECENT_DAYS = 30


def _voting_rows() -> Q:
    """Approver rows that count now: the route's and the manager's while the round is open,
    the change managers' once it is escalated."""
    return Q(
        round__status=RoundStatus.OPEN,
        group__in=[ApproverGroup.BOARD, ApproverGroup.MANAGER],
    ) | Q(round__status=RoundStatus.ESCALATED, group=ApproverGroup.ESCALATION)


def _awaiting() -> Q:
    return Q(round__change__state=State.AUTHORISE, round__change__authorised_at=None)


def _not_own(user: User) -> Q:
    return (
        Q(round__change__requester=user)
        | Q(round__change__owner=user)
        | Q(round__change__implementer=user)
    )


INBOX_RELATED = ("round__change", "round__change__requester", "user")


def waiting_for(user: User, now: dt.datetime) -> QuerySet[Approver]:
    """What waits for `user`'s vote, theirs or as the delegate of an approver away now,
    due soonest first."""
    people = [user.pk, *delegators_of(user, now)]
    return (
        Approver.objects.filter(_voting_rows(), _awaiting(), user__in=people, decision="")
        .exclude(_not_own(user))
        .select_related(*INBOX_RELATED)
        .order_by("round__due_at", "round__change__planned_start", "pk")
    )


def decided_by(user: User, now: dt.datetime) -> QuerySet[Approver]:
    """The votes `user` cast (for themselves or for someone) in the last RECENT_DAYS days."""
    since = now - dt.timedelta(days=RECENT_DAYS)
    return (
        Approver.objects.filter(Q(user=user, cast_by=None) | Q(cast_by=user))
        .filter(decided_at__gte=since)
        .select_related(*INBOX_RELATED, "cast_by")
        .order_by("-decided_at", "-pk")
    )


class Ballot(NamedTuple):
    """One vote `user` may cast on a round: their own, or for `on_behalf_of`."""

    approver: Approver
    on_behalf_of: User | None


def ballots(user: User, approval_round: ApprovalRound | None, now: dt.datetime) -> list[Ballot]:
    """The votes `user` may cast on the round now (none on a change they raised, own or
    implement; a vote already cast may be changed while the round is open)."""
    if approval_round is None or not approval_round.is_open or not user.is_authenticated:
        return []
    change = approval_round.change
    if change.state != State.AUTHORISE or change.authorised_at is not None:
        return []
    if user.pk in (change.requester_id, change.owner_id, change.implementer_id):
        return []
    people = [user.pk, *delegators_of(user, now)]
    rows = (
        approval_round.approvers.filter(_voting_rows(), user__in=people)
        .select_related("user")
        .order_by("pk")
    )
    seen: set[int] = set()
    found = []
    for row in rows:
        if row.user_id in seen:
            continue
        seen.add(row.user_id)
        found.append(Ballot(row, None if row.user_id == user.pk else row.user))
    return found


def rounds_for(user: User) -> QuerySet[ApprovalRound]:
    if not can_view_approvals(user):
        return ApprovalRound.objects.none()
    return ApprovalRound.objects.select_related(
        "change", "opened_by", "decided_by"
    ).prefetch_related(
        Prefetch("approvers", queryset=Approver.objects.select_related("user", "cast_by"))
    )


def latest_round(change: Change) -> ApprovalRound | None:
    return (
        ApprovalRound.objects.filter(change=change)
        .select_related("change", "decided_by")
        .prefetch_related(
            Prefetch("approvers", queryset=Approver.objects.select_related("user", "cast_by"))
        )
        .order_by("-opened_at", "-id")
        .first()
    )


def policies_for(user: User) -> QuerySet[ApprovalPolicy]:
    if not can_view_approvals(user):
        return ApprovalPolicy.objects.none()
    return ApprovalPolicy.objects.select_related("team").annotate(
        open_rounds=Count("rounds", filter=Q(rounds__status__in=OPEN_ROUND_STATUSES))
    )


def meetings_for(user: User) -> QuerySet[CabMeeting]:
    if not can_view_approvals(user):
        return CabMeeting.objects.none()
    return CabMeeting.objects.select_related("schedule").annotate(
        agenda_size=Count("agenda", distinct=True),
        attendee_count=Count("attendees", distinct=True),
    )


def agenda_of(meeting: CabMeeting) -> QuerySet[AgendaItem]:
    return meeting.agenda.select_related("change", "decided_by").order_by("position", "pk")


def delegations_of(user: User) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-starts_at", "-pk")
    )


def current_delegates(user: User, now: dt.datetime) -> list[User]:
    return [
        d.delegate
        for d in active_delegations(now).filter(delegator=user).select_related("delegate")
    ]
