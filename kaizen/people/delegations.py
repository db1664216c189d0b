"""Delegation while away: an approver lets someone decide for them during a period. Every
process that asks people to approve (change authorisation, service request approvals) reads
the same delegations through `delegators_of`; who acted is kept on the vote (`decided_by`).

Writes are journaled on the delegator (the event types keep their change-era names, so older
journals still read the same).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.services import record_event, to_journal_value
from kaizen.people.models import Delegation, User


def active_delegations(at: dt.datetime) -> QuerySet[Delegation]:
    return Delegation.objects.filter(starts_at__lte=at, ends_at__gt=at, revoked_at=None)


def delegators_of(user: User, at: dt.datetime) -> list[int]:
    """The people `user` may decide for at `at`."""
    return list(active_delegations(at).filter(delegate=user).values_list("delegator", flat=True))


def may_act_for(delegate: User, delegator_id: int, at: dt.datetime) -> bool:
    return active_delegations(at).filter(delegate=delegate, delegator_id=delegator_id).exists()


@transaction.atomic
def do_delegate(
    delegator: User,
    delegate: User,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
    actor: User | None,
    at: dt.datetime | None = None,
) -> Delegation:
    """Let `delegate` decide for `delegator` from `starts_at` until `ends_at` (while away).
    Decisions outside that period are refused; a delegation can be revoked."""
    at = at or timezone.now()
    if delegate.pk == delegator.pk:
        raise ValidationError({"delegate": "choose someone else to decide for you"})
    if not delegate.is_active:
        raise ValidationError({"delegate": f"{delegate} cannot sign in"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "the end must be after the start"})
    if ends_at <= at:
        raise ValidationError({"ends_at": "the period is already over"})
    delegation = Delegation.objects.create(
        delegator=delegator,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip()[:200],
        created_at=at,
        created_by=actor,
    )
    record_event(
        EventType.APPROVAL_DELEGATED,
        delegator,
        actor=actor,
        occurred_at=at,
        data={
            "delegation": delegation.pk,
            "delegate": to_journal_value(delegate),
            "starts_at": to_journal_value(starts_at),
            "ends_at": to_journal_value(ends_at),
            "reason": delegation.reason,
        },
    )
    return delegation


@transaction.atomic
def do_revoke_delegation(
    delegation: Delegation, *, actor: User | None, at: dt.datetime | None = None
) -> Delegation:
    at = at or timezone.now()
    if delegation.revoked_at is not None:
        raise ValidationError({"delegation": "this delegation was already revoked"})
    delegation.revoked_at = at
    delegation.save(update_fields=["revoked_at"])
    record_event(
        EventType.APPROVAL_DELEGATION_REVOKED,
        delegation.delegator,
        actor=actor,
        occurred_at=at,
        data={"delegation": delegation.pk, "delegate": to_journal_value(delegation.delegate)},
    )
    return delegation
