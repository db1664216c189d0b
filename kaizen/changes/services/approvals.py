"""Authorisation of a change by its approvers (the change managers, the CAB, a team, the owners
of the affected services), as the first matching approval policy says.

A change entering Authorise opens a round (`open_authorisation`, called by the lifecycle):
the policy is copied onto the round, the approvers are chosen and mailed. Votes
(`do_cast_vote`) are counted by services/quorum.py after each vote; once the outcome is certain
the round ends in `lifecycle.do_decide_authorisation`, the only way a change becomes
authorised or rejected. A round past its due time gets its policy's default action
(`do_apply_due_actions`, run by a periodic task). Rules in words: docs/change-cab.md.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from kaizen.changes.models import (
    OPEN_ROUND_STATUSES,
    ApprovalPolicy,
    ApprovalRound,
    Approver,
    ApproverGroup,
    Change,
    ChangeType,
    Decision,
    Fallback,
    RoundStatus,
    Route,
    Rule,
    State,
)
from kaizen.changes.services import quorum
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event, to_journal_value
from kaizen.notifications import services as notifications
from kaizen.people.delegations import (  # noqa: F401  (the change pages and API use them here)
    active_delegations,
    delegators_of,
    do_delegate,
    do_revoke_delegation,
)
from kaizen.people.models import Process, ProcessRole, Role, User

CATEGORY = "change_approvals"

# When no policy matches (all switched off, or none for this type and risk): a change manager
# decides, and at the due time the round waits on with the change manager.
FALLBACK_POLICY = ApprovalPolicy(
    name="No policy matched: a change manager",
    route=Route.CHANGE_MANAGERS,
    rule=Rule.COUNT,
    required=1,
    tie_action=Fallback.ESCALATE,
    due_hours=72,
    due_action=Fallback.ESCALATE,
)


# How each group of approvers is named on the pages and in the outcome notes.
GROUP_LABELS = {
    ApproverGroup.BOARD: "Approvers",
    ApproverGroup.MANAGER: "Change manager (required as well)",
    ApproverGroup.ESCALATION: "Change managers (escalated)",
}


class GroupState(NamedTuple):
    group: str
    rule: quorum.GroupRule
    tally: quorum.Tally
    approvers: list[Approver]


# -- who is asked -------------------------------------------------------------------------------


def matching_policy(change: Change) -> ApprovalPolicy | None:
    """The first active policy (by position) for the change's type and stated risk."""
    return (
        ApprovalPolicy.objects.filter(is_active=True, min_risk__lte=change.risk)
        .filter(max_risk__gte=change.risk)
        .filter(Q(change_type="") | Q(change_type=change.change_type))
        .select_related("team")
        .order_by("position", "id")
        .first()
    )


def conflicted_ids(change: Change) -> set[int]:
    """Nobody approves their own change: its requester, owner and implementer."""
    return {pk for pk in (change.requester_id, change.owner_id, change.implementer_id) if pk}


def _with_role(roles: Iterable[Role]) -> QuerySet[User]:
    ids = ProcessRole.objects.filter(process=Process.CHANGE, role__in=list(roles)).values("user")
    return User.objects.filter(pk__in=ids, is_active=True)


def change_managers() -> QuerySet[User]:
    return _with_role((Role.OWNER, Role.MANAGER))


def cab_members() -> QuerySet[User]:
    return _with_role((Role.CAB_MEMBER,))


def _route_people(policy: ApprovalPolicy, change: Change) -> list[User]:
    if policy.route == Route.CHANGE_MANAGERS:
        people = change_managers()
    elif policy.route == Route.CAB:
        people = cab_members()
    elif policy.route == Route.TEAM:
        people = policy.team.members.filter(is_active=True) if policy.team else User.objects.none()
    else:
        people = User.objects.filter(
            pk__in=change.services.exclude(owner=None).values("owner"), is_active=True
        )
    return list(people.order_by("pk"))


def _fallback_people(excluded: set[int]) -> tuple[list[User], str]:
    managers = [person for person in change_managers() if person.pk not in excluded]
    if managers:
        return managers, "a change manager decides instead"
    admins = User.objects.filter(is_superuser=True, is_active=True).exclude(pk__in=excluded)
    return list(admins.order_by("pk")), "an administrator decides instead"


def choose_approvers(
    policy: ApprovalPolicy, change: Change
) -> tuple[dict[str, list[User]], list[str]]:
    """The approvers per group, and notes on what was left out (own change, nobody eligible)."""
    excluded = conflicted_ids(change)
    notes = []
    groups: dict[str, list[User]] = {}
    if policy.change_manager_too:
        managers = [person for person in change_managers() if person.pk not in excluded]
        if managers:
            groups[ApproverGroup.MANAGER] = managers
        else:
            notes.append("no change manager may approve it")
    taken = {person.pk for person in groups.get(ApproverGroup.MANAGER, [])}
    people = [p for p in _route_people(policy, change) if p.pk not in excluded]
    # A change manager asked as such is not counted again in the route's group: two people.
    board = [person for person in people if person.pk not in taken] or people
    if not board and not groups:
        board, instead = _fallback_people(excluded)
        notes.append(f"nobody of {Route(policy.route).label.lower()} may approve it: {instead}")
    if board:
        groups[ApproverGroup.BOARD] = board
    return groups, notes


def _group_rule(approval_round: ApprovalRound, group: str) -> quorum.GroupRule:
    if group == ApproverGroup.ESCALATION:
        return quorum.GroupRule("first", 1, Fallback.REJECT)
    if group == ApproverGroup.MANAGER:
        return quorum.GroupRule(Rule.COUNT, 1, approval_round.tie_action)
    return quorum.GroupRule(approval_round.rule, approval_round.required, approval_round.tie_action)


def group_states(
    approval_round: ApprovalRound, approvers: Iterable[Approver] | None = None
) -> list[GroupState]:
    """Each group of the round with its rule and tally (the escalation group alone once the
    round is escalated)."""
    if approvers is None:
        approvers = approval_round.approvers.select_related("user", "cast_by")
    by_group: dict[str, list[Approver]] = defaultdict(list)
    for approver in approvers:
        by_group[approver.group].append(approver)
    wanted = (
        [ApproverGroup.ESCALATION]
        if approval_round.status == RoundStatus.ESCALATED
        else [ApproverGroup.BOARD, ApproverGroup.MANAGER]
    )
    states = []
    for group in wanted:
        members = by_group.get(group, [])
        if not members:
            continue
        counts = defaultdict(int)
        for approver in members:
            counts[approver.decision or "pending"] += 1
        tally = quorum.Tally(
            counts[Decision.APPROVE],
            counts[Decision.REJECT],
            counts[Decision.ABSTAIN],
            counts["pending"],
        )
        states.append(GroupState(group, _group_rule(approval_round, group), tally, members))
    return states


# -- opening ------------------------------------------------------------------------------------


def open_round_of(change: Change) -> ApprovalRound | None:
    return (
        ApprovalRound.objects.filter(change=change, status__in=OPEN_ROUND_STATUSES)
        .order_by("-opened_at", "-id")
        .first()
    )


def _tell(approval_round: ApprovalRound, people: list[User], *, escalated: bool) -> None:
    """Approvers, and whoever votes for them while they are away, get a mail with the link."""
    at = approval_round.opened_at if not escalated else approval_round.escalated_at
    delegates = User.objects.filter(
        pk__in=active_delegations(at).filter(delegator__in=people).values("delegate")
    )
    notifications.queue_notification(
        "change_approval_requested",
        [*people, *delegates],
        {
            "change": approval_round.change,
            "round": approval_round,
            "escalated": escalated,
            "url": approval_round.change.get_absolute_url(),
        },
        category=CATEGORY,
    )


def _people_data(people: Iterable[User]) -> list[object]:
    return [to_journal_value(person) for person in people]


def open_authorisation(
    change: Change, *, actor: User | None, at: dt.datetime, notify: bool = True
) -> ApprovalRound:
    """Start the approval round the change's risk and type call for; it ends in
    lifecycle.do_decide_authorisation. Called inside the lifecycle's transaction. `notify`
    False sends no mail (a replay of past changes)."""
    for stale in ApprovalRound.objects.filter(change=change, status__in=OPEN_ROUND_STATUSES):
        _withdraw(stale, actor=actor, at=at, reason="a new authorisation was requested")
    policy = matching_policy(change)
    chosen = policy or FALLBACK_POLICY
    groups, notes = choose_approvers(chosen, change)
    kind = ChangeType(change.change_type).label.lower()
    reason = (
        f"{kind} change, {change.get_risk_display().lower()} risk: "
        + (f"policy “{chosen.name}”" if policy else "no policy matched, a change manager decides")
        + "".join(f"; {note}" for note in notes)
    )
    approval_round = ApprovalRound.objects.create(
        change=change,
        policy=policy,
        policy_name=chosen.name,
        route=chosen.route,
        team_name=chosen.team.name if chosen.team_id else "",
        rule=chosen.rule,
        required=chosen.required,
        change_manager_too=chosen.change_manager_too,
        tie_action=chosen.tie_action,
        due_action=chosen.due_action,
        reason=reason[:300],
        opened_at=at,
        opened_by=actor,
        due_at=at + dt.timedelta(hours=chosen.due_hours),
    )
    Approver.objects.bulk_create(
        Approver(round=approval_round, user=person, group=group)
        for group, people in groups.items()
        for person in people
    )
    everyone = [person for people in groups.values() for person in people]
    record_event(
        EventType.CHANGE_AUTHORISATION_REQUESTED,
        change,
        actor=actor,
        occurred_at=at,
        data={
            "round": approval_round.pk,
            "policy": chosen.name,
            "approvers": _people_data(everyone),
            "due_at": to_journal_value(approval_round.due_at),
            "due_action": chosen.due_action,
            "reason": approval_round.reason,
        },
    )
    if notify:
        _tell(approval_round, everyone, escalated=False)
    return approval_round


# -- delegation: the people app's (kaizen/people/delegations.py), shared with service requests --

# -- votes --------------------------------------------------------------------------------------


def _locked_open_round(target: Change | ApprovalRound) -> ApprovalRound:
    rounds = ApprovalRound.objects.select_for_update().select_related("change")
    if isinstance(target, ApprovalRound):
        approval_round = rounds.get(pk=target.pk)
    else:
        approval_round = rounds.filter(change=target, status__in=OPEN_ROUND_STATUSES).first()
        if approval_round is None:
            raise ValidationError({"decision": f"{target.number} is not waiting for votes"})
    change = approval_round.change
    awaiting = change.state == State.AUTHORISE and change.authorised_at is None
    if not approval_round.is_open or not awaiting:
        raise ValidationError({"decision": f"{change.number} is not waiting for votes"})
    return approval_round


OWN_CHANGE = (
    ("requester_id", "raised", "raised"),
    ("owner_id", "own", "owns"),
    ("implementer_id", "implement", "implements"),
)


def _check_not_own(change: Change, people: Iterable[User], actor: User | None) -> None:
    """Nobody votes on a change they raised, own or implement, nor for someone who does."""
    for person in people:
        for field, first, third in OWN_CHANGE:
            if getattr(change, field) == person.pk:
                you = actor is not None and person.pk == actor.pk
                words = f"you {first}" if you else f"{person} {third}"
                raise ValidationError(
                    {"decision": f"nobody votes on their own change: {words} {change.number}"}
                )


def _approver_row(approval_round: ApprovalRound, voter: User) -> Approver | None:
    group = (
        [ApproverGroup.ESCALATION]
        if approval_round.status == RoundStatus.ESCALATED
        else [ApproverGroup.BOARD, ApproverGroup.MANAGER]
    )
    return approval_round.approvers.filter(user=voter, group__in=group).order_by("group").first()


@transaction.atomic
def do_cast_vote(
    target: Change | ApprovalRound,
    decision: str,
    *,
    comment: str = "",
    actor: User,
    on_behalf_of: User | None = None,
    recorded_for: User | None = None,
    decide: bool = True,
    at: dt.datetime | None = None,
) -> ApprovalRound:
    """`actor` votes approve, reject or abstain on the change's open round, for themselves, or
    for `on_behalf_of` who delegated their approvals to them for a period covering `at`.
    (`recorded_for`: the chair of a CAB meeting records an attendee's vote, services/meetings;
    `decide=False`: the meeting records all its votes first, then `decide_if_certain` once.)

    A rejection needs a comment. A vote may be changed while the round is open (the latest
    counts; each is journaled). Nobody votes on a change they raised, own or implement. After
    the vote, a round whose outcome is certain is decided at once.
    """
    at = moment(at)
    if decision not in Decision.values:
        raise ValidationError({"decision": f"{decision!r} is not approve, reject or abstain"})
    comment = comment.strip()
    if decision == Decision.REJECT and not comment:
        raise ValidationError({"comment": "say why the change is rejected"})
    approval_round = _locked_open_round(target)
    change = approval_round.change
    voter = recorded_for or on_behalf_of or actor
    delegated = on_behalf_of is None or on_behalf_of.pk == actor.pk
    if not delegated and on_behalf_of.pk not in delegators_of(actor, at):
        raise ValidationError(
            {"on_behalf_of": f"{on_behalf_of} has not delegated their approvals to you now"}
        )
    _check_not_own(change, [voter] if recorded_for else [voter, actor], actor)
    approver = _approver_row(approval_round, voter)
    if approver is None:
        who = "you are" if voter.pk == actor.pk else f"{voter} is"
        raise ValidationError({"decision": f"{who} not among the approvers of {change.number} now"})
    previous = approver.decision
    approver.decision = decision
    approver.comment = comment
    approver.decided_at = at
    approver.cast_by = None if voter.pk == actor.pk else actor
    approver.save(update_fields=["decision", "comment", "decided_at", "cast_by"])
    data = {
        "round": approval_round.pk,
        "approver": to_journal_value(voter),
        "decision": decision,
        "comment": comment,
    }
    if previous:
        data["previous"] = previous
    if voter.pk != actor.pk:
        data["via"] = "meeting" if recorded_for else "delegation"
    record_event(EventType.CHANGE_VOTE_CAST, change, actor=actor, occurred_at=at, data=data)
    if decide:
        decide_if_certain(approval_round, actor=actor, at=at)
    return approval_round


def _names(approvers: Iterable[Approver], decision: str) -> str:
    names = [str(a.user) for a in approvers if a.decision == decision]
    return ", ".join(names)


def decide_if_certain(
    approval_round: ApprovalRound, *, actor: User | None, at: dt.datetime
) -> None:
    """Decide the round when the votes cast make its outcome certain (quorum.py)."""
    states = group_states(approval_round)
    outcome = quorum.round_outcome([(state.rule, state.tally) for state in states])
    if outcome is None:
        return
    words = "; ".join(
        f"{GROUP_LABELS[state.group]}: {quorum.progress_text(state.rule, state.tally)}"
        for state in states
    )
    every = [approver for state in states for approver in state.approvers]
    if outcome == quorum.ESCALATE:
        _escalate(approval_round, actor=actor, at=at, why=f"a tie. {words}")
        return
    voters = _names(every, outcome)
    verdict = "Approved" if outcome == quorum.APPROVE else "Rejected"
    note = f"{verdict}{f' by {voters}' if voters else ''}. {words}."
    if outcome == quorum.REJECT:
        reasons = [f"{a.user}: {a.comment}" for a in every if a.decision == Decision.REJECT]
        note += f" Why: {'; '.join(reasons)}." if reasons else ""
    _conclude(approval_round, outcome == quorum.APPROVE, actor=actor, at=at, note=note)


def _conclude(
    approval_round: ApprovalRound,
    authorised: bool,
    *,
    actor: User | None,
    at: dt.datetime,
    note: str,
) -> None:
    # The lifecycle is imported here: it imports this module to open rounds.
    from kaizen.changes.services.lifecycle import do_decide_authorisation

    approval_round.status = RoundStatus.AUTHORISED if authorised else RoundStatus.REJECTED
    approval_round.decided_at = at
    approval_round.decided_by = actor
    approval_round.outcome_note = note[:500]
    approval_round.save(update_fields=["status", "decided_at", "decided_by", "outcome_note"])
    do_decide_authorisation(
        approval_round.change, authorised=authorised, actor=actor, note=note[:500], at=at
    )


def _escalate(
    approval_round: ApprovalRound, *, actor: User | None, at: dt.datetime, why: str
) -> None:
    change = approval_round.change
    excluded = conflicted_ids(change)
    managers = [person for person in change_managers() if person.pk not in excluded]
    if not managers:
        managers, _ = _fallback_people(excluded)
    approval_round.status = RoundStatus.ESCALATED
    approval_round.escalated_at = at
    approval_round.save(update_fields=["status", "escalated_at"])
    Approver.objects.bulk_create(
        Approver(round=approval_round, user=person, group=ApproverGroup.ESCALATION)
        for person in managers
    )
    record_event(
        EventType.CHANGE_AUTHORISATION_ESCALATED,
        change,
        actor=actor,
        occurred_at=at,
        data={"round": approval_round.pk, "why": why, "approvers": _people_data(managers)},
    )
    _tell(approval_round, managers, escalated=True)


# -- ending without votes -----------------------------------------------------------------------


def _withdraw(
    approval_round: ApprovalRound,
    *,
    actor: User | None,
    at: dt.datetime,
    reason: str,
    status: str = RoundStatus.WITHDRAWN,
) -> None:
    approval_round.status = status
    approval_round.decided_at = at
    approval_round.decided_by = actor
    approval_round.outcome_note = reason[:500]
    approval_round.save(update_fields=["status", "decided_at", "decided_by", "outcome_note"])
    record_event(
        EventType.CHANGE_AUTHORISATION_WITHDRAWN,
        approval_round.change,
        actor=actor,
        occurred_at=at,
        data={"round": approval_round.pk, "reason": reason},
    )


def _ended_outside(change: Change) -> tuple[str, str]:
    """The round's status and why, for a change no longer waiting for its vote."""
    if change.authorised_at is not None:
        return RoundStatus.AUTHORISED, "the change was authorised outside the vote"
    if change.state == State.REJECTED:
        return RoundStatus.REJECTED, "the change was rejected outside the vote"
    return (
        RoundStatus.WITHDRAWN,
        f"the change left authorisation ({change.get_state_display().lower()})",
    )


@transaction.atomic
def do_withdraw_authorisation(
    change: Change, *, actor: User | None, at: dt.datetime | None = None
) -> int:
    """End the open round of a change that no longer waits for its vote: withdrawn when the
    change was cancelled (or sent back), or marked with the outcome decided outside it (an
    import, a replay). Returns how many rounds were ended (0 or 1)."""
    at = moment(at)
    rounds = ApprovalRound.objects.select_for_update().filter(
        change=change, status__in=OPEN_ROUND_STATUSES
    )
    change.refresh_from_db(fields=["state", "authorised_at"])
    if change.state == State.AUTHORISE and change.authorised_at is None:
        return 0
    status, reason = _ended_outside(change)
    ended = 0
    for approval_round in rounds.select_related("change"):
        _withdraw(approval_round, actor=actor, at=at, reason=reason, status=status)
        ended += 1
    return ended


def do_close_stale_rounds(now: dt.datetime | None = None) -> int:
    """End the open rounds of every change that no longer waits for them, each change in its
    own transaction (the periodic scan; the demo after its replay)."""
    now = moment(now)
    changes = Change.objects.filter(pk__in=stale_rounds().values("change")).order_by("pk")
    return sum(do_withdraw_authorisation(change, actor=None, at=now) for change in changes)


def stale_rounds() -> QuerySet[ApprovalRound]:
    """Open rounds whose change no longer waits for them (cancelled meanwhile)."""
    return ApprovalRound.objects.filter(status__in=OPEN_ROUND_STATUSES).exclude(
        change__state=State.AUTHORISE, change__authorised_at=None
    )


def due_rounds(now: dt.datetime) -> QuerySet[ApprovalRound]:
    """Rounds past their due time not yet given their default action (escalated ones wait on
    with the change manager)."""
    return ApprovalRound.objects.filter(
        status=RoundStatus.OPEN,
        due_at__lte=now,
        change__state=State.AUTHORISE,
        change__authorised_at=None,
    )


@transaction.atomic
def do_apply_due_action(approval_round: ApprovalRound, *, at: dt.datetime | None = None) -> str:
    """The round's default action, by the system: authorise, reject or escalate. Returns what
    was done ("" when the round was no longer due: decided or changed meanwhile)."""
    at = moment(at)
    locked = (
        ApprovalRound.objects.select_for_update()
        .select_related("change")
        .filter(pk=approval_round.pk, status=RoundStatus.OPEN, due_at__lte=at)
        .first()
    )
    if locked is None or locked.change.state != State.AUTHORISE or locked.change.authorised_at:
        return ""
    action = locked.due_action
    # The due time itself is on the round (and in the requested event): words only here.
    due = "no decision by the due time"
    if action == Fallback.ESCALATE:
        _escalate(locked, actor=None, at=at, why=due)
    else:
        verb = "authorised" if action == Fallback.APPROVE else "rejected"
        _conclude(
            locked,
            action == Fallback.APPROVE,
            actor=None,
            at=at,
            note=f"{due}: {verb} by the policy's default action",
        )
    return action


def do_apply_due_actions(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic scan: withdraw the rounds of changes that left Authorise, then apply the
    default action of every round past its due time, each in its own transaction."""
    now = moment(now)
    done: dict[str, int] = defaultdict(int)
    ended = do_close_stale_rounds(now)
    if ended:
        done["withdrawn"] = ended
    for approval_round in due_rounds(now).order_by("due_at", "pk"):
        action = do_apply_due_action(approval_round, at=now)
        if action:
            done[action] += 1
    return dict(done)
