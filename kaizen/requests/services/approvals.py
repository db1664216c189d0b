"""A request's approval: the type's steps copied onto the request when it is submitted, run in
sequence; each step's approvers resolved when the step starts, never the requester or the
person who submitted it (nobody approves their own request).

The rules, in words (docs/requests.md tells requesters and approvers the same):

- A step's policy: any one approver, all of them, or k of n. Votes are counted by
  kaizen/core/quorum.py (shared with change authorisation) after each vote, and the step ends
  as soon as its outcome is certain: "all" is rejected by the first rejection; "k of n" is
  approved at the k-th approval and rejected as soon as k can no longer be reached. When fewer
  people resolve than k, k is the number of people asked (the quorum rule "never more than the
  approvers"). The votes nobody needs any more become "not needed".
- A step approved starts the next; the last approved approves the request
  (`lifecycle.conclude_approval`), which creates its fulfilment tasks. A step rejected rejects
  the request with the rejecting approver's comment as the reason; the later steps are
  withdrawn.
- Nobody to ask: when a step resolves to nobody (the requester has no manager, the service no
  owner, the team is empty, or the only people named are the requester and the submitter),
  the step falls back to the manager of the type's fulfilment group, else to the owners and
  managers of the request process. The fallback is said in the step's outcome note and in the
  journal. When even they are nobody (or only the requester) the step is REJECTED with the
  reason "nobody may approve this step": a request is never approved without a decision.
- Delegation while away (kaizen/people/delegations.py, shared with changes): a delegate
  decides the delegator's pending vote during the period; the vote keeps `decided_by`.
- Due dates: a step with `due_hours` is due that many hours after it started; past it,
  `do_apply_due_approvals` (a periodic task and `kaizen requests apply-due-approvals`) applies
  the step's default action (approve or reject) with the reason "due date passed".
- One-time e-mail links: when a step starts every approver is mailed Approve and Reject links
  carrying a signed token; only its SHA-256 is stored on the vote. A link works once, until it
  expires (KAIZEN_REQUEST_APPROVAL_LINK_DAYS, 7 days by default) and only while the vote is
  still pending. Opening a link never decides (mail scanners follow links): the page's form
  does.

Journal, on the request: REQUEST_APPROVAL_REQUESTED when a step starts (its approvers, due
time, any fallback), REQUEST_APPROVAL_VOTED per decision, REQUEST_APPROVAL_CONCLUDED per step
ended (outcome and how).
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kaizen.core import quorum
from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event, to_journal_value
from kaizen.notifications import services as notifications
from kaizen.people.delegations import active_delegations, delegators_of
from kaizen.people.models import Process, ProcessRole, User
from kaizen.people.permissions import LEADERSHIP
from kaizen.requests.form_schema import AnswerLine, describe_answers
from kaizen.requests.models import (
    ApprovalPolicy,
    ApprovalVote,
    ApproverSource,
    Decision,
    DueAction,
    RequestApproval,
    ServiceRequest,
    State,
    StepState,
)

CATEGORY = "request_approvals"
APPROVE = "approve"
REJECT = "reject"
DECISIONS = {APPROVE: Decision.APPROVED, REJECT: Decision.REJECTED}
NOBODY_REASON = "nobody may approve this step"
DUE_REASON = "due date passed"
LINK_SALT = "kaizen.requests.approval-link"


def link_days() -> int:
    return settings.KAIZEN_REQUEST_APPROVAL_LINK_DAYS


def hash_link_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- who approves -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approvers:
    people: list[User]
    fallback: str  # "" when the step's own source resolved; else who was asked instead


def _source_people(step: RequestApproval, request: ServiceRequest) -> list[User]:
    source = step.approver_source
    if source == ApproverSource.REQUESTER_MANAGER:
        manager = request.requested_for.manager
        return [manager] if manager else []
    if source == ApproverSource.SERVICE_OWNER:
        owner = request.service.owner
        return [owner] if owner else []
    if source == ApproverSource.TEAM and step.team is not None:
        return list(step.team.members.filter(is_active=True).order_by("pk"))
    if source == ApproverSource.PEOPLE:
        return list(step.people.filter(is_active=True).order_by("pk"))
    return []


def _eligible(people: list[User], request: ServiceRequest) -> list[User]:
    own = {request.requested_for_id, request.requested_by_id}
    seen: set[int] = set()
    chosen = []
    for person in people:
        if person.is_active and person.pk not in own and person.pk not in seen:
            seen.add(person.pk)
            chosen.append(person)
    return chosen


def approvers_for(step: RequestApproval, request: ServiceRequest) -> Approvers:
    """Who decides the step: its source without the requester and the submitter; when that is
    nobody, the fulfilment group's manager, else the request process's owners and managers."""
    people = _eligible(_source_people(step, request), request)
    if people:
        return Approvers(people, "")
    group = request.request_type.fulfilment_group
    if group is not None and group.manager_id is not None:
        people = _eligible([group.manager], request)
        if people:
            return Approvers(people, f"the manager of {group.name}")
    leaders = User.objects.filter(
        pk__in=ProcessRole.objects.filter(process=Process.REQUEST, role__in=LEADERSHIP).values(
            "user"
        )
    ).order_by("pk")
    people = _eligible(list(leaders), request)
    if people:
        return Approvers(people, "the request process owners and managers")
    return Approvers([], "nobody")


def _rule(step: RequestApproval) -> quorum.GroupRule:
    if step.policy == ApprovalPolicy.ALL:
        return quorum.GroupRule("all", None, quorum.REJECT)
    required = step.required if step.policy == ApprovalPolicy.K_OF_N else 1
    return quorum.GroupRule("count", required or 1, quorum.REJECT)


def _tally(votes: list[ApprovalVote]) -> quorum.Tally:
    decisions = [vote.decision for vote in votes]
    return quorum.Tally(
        approve=decisions.count(Decision.APPROVED),
        reject=decisions.count(Decision.REJECTED),
        abstain=0,
        pending=decisions.count(Decision.PENDING),
    )


def progress_text(step: RequestApproval, votes: list[ApprovalVote]) -> str:
    """Where a step stands in words: "1 of 2 approvals needed (3 asked)"."""
    tally = _tally(votes)
    if tally.size == 0:
        return "nobody to ask"
    k = quorum.needed(_rule(step), tally.size)
    if step.policy == ApprovalPolicy.ALL:
        return f"{tally.approve} of {tally.size} approved, all are needed"
    return f"{tally.approve} of {k} approval{'s' if k != 1 else ''} needed ({tally.size} asked)"


# -- links --------------------------------------------------------------------------------------


def _issue_link(vote: ApprovalVote, at: dt.datetime) -> str:
    """A new one-time token for the vote: signed (a tampered token is refused before any
    lookup), its secret stored only as a hash."""
    secret = secrets.token_urlsafe(24)
    vote.link_token_hash = hash_link_token(secret)
    vote.link_expires_at = at + dt.timedelta(days=link_days())
    vote.link_used_at = None
    return signing.dumps({"v": vote.pk, "s": secret}, salt=LINK_SALT, compress=True)


class LinkError(Exception):
    """Why an e-mail link cannot decide: `kind` is unknown (tampered or never issued: the same
    answer for both), expired, used, or closed (the vote is no longer pending)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def vote_for_link(token: str, *, at: dt.datetime | None = None) -> ApprovalVote:
    """The pending vote a link decides, or LinkError. Reading never uses the link up."""
    at = at or timezone.now()
    try:
        payload = signing.loads(token, salt=LINK_SALT)
        vote_pk, secret = int(payload["v"]), str(payload["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("unknown", "This link is not valid.") from None
    vote = (
        ApprovalVote.objects.select_related(
            "approver",
            "approval__request__request_type",
            "approval__request__requested_for",
            "approval__request__requested_by",
            "approval__request__form_version",
        )
        .filter(pk=vote_pk)
        .first()
    )
    if vote is None or not vote.link_token_hash:
        raise LinkError("unknown", "This link is not valid.")
    if not hmac.compare_digest(vote.link_token_hash, hash_link_token(secret)):
        raise LinkError("unknown", "This link is not valid.")
    if vote.link_used_at is not None:
        raise LinkError("used", "This link was already used: each link decides once.")
    if vote.link_expires_at is not None and vote.link_expires_at <= at:
        raise LinkError("expired", "This link has expired. Decide from your approval inbox.")
    if vote.decision != Decision.PENDING or vote.approval.state != StepState.PENDING:
        raise LinkError(
            "closed",
            f"Your decision on {vote.approval.request.number} is no longer needed "
            f"({vote.get_decision_display().lower()}).",
        )
    return vote


# -- starting and ending steps ------------------------------------------------------------------


def _describe(step: RequestApproval) -> dict[str, object]:
    return {"step": step.position, "step_name": step.name}


def _start_step(
    step: RequestApproval, request: ServiceRequest, at: dt.datetime, actor: User | None = None
) -> None:
    """Start a step: its approvers asked (each mailed a one-time link), its due time set. A
    step nobody may decide is rejected at once (never approved without a decision)."""
    found = approvers_for(step, request)
    step.state = StepState.PENDING
    step.started_at = at
    step.due_at = at + dt.timedelta(hours=step.due_hours) if step.due_hours else None
    if found.fallback and found.people:
        step.outcome_note = f"nobody resolved for this step: asked {found.fallback}"
    step.save(update_fields=["state", "started_at", "due_at", "outcome_note"])
    votes = ApprovalVote.objects.bulk_create(
        ApprovalVote(approval=step, approver=person) for person in found.people
    )
    tokens = {vote.pk: _issue_link(vote, at) for vote in votes}
    ApprovalVote.objects.bulk_update(votes, ["link_token_hash", "link_expires_at"])
    record_event(
        EventType.REQUEST_APPROVAL_REQUESTED,
        request,
        actor=actor,
        occurred_at=at,
        data={
            **_describe(step),
            "policy": step.policy,
            "required": step.required,
            "approvers": [to_journal_value(person) for person in found.people],
            "fallback": found.fallback,
            "due_at": to_journal_value(step.due_at),
            "due_action": step.due_action,
        },
    )
    if not found.people:
        _end_step(step, request, outcome=REJECT, note=NOBODY_REASON, reason=NOBODY_REASON, at=at)
        return
    for vote in votes:
        link = reverse("requests:approval_link", args=[tokens[vote.pk]])
        notifications.queue_notification(
            "request_approval_requested",
            [vote.approver],
            {
                "service_request": request,
                "step": step,
                "answers": answer_lines(request),
                "approve_url": f"{link}?decision=approve",
                "reject_url": f"{link}?decision=reject",
                "inbox_url": reverse("requests:approval_inbox"),
                "link_days": link_days(),
            },
            category=CATEGORY,
        )
    _tell_delegates(step, request, found.people, at)


def _tell_delegates(
    step: RequestApproval, request: ServiceRequest, people: list[User], at: dt.datetime
) -> None:
    """Someone standing in for an approver away now is mailed too (to decide from the inbox:
    the e-mail link stays the approver's own)."""
    delegations = (
        active_delegations(at).filter(delegator__in=people).select_related("delegate", "delegator")
    )
    own = {request.requested_for_id, request.requested_by_id}
    for delegation in delegations:
        if delegation.delegate_id in own or not delegation.delegate.is_active:
            continue
        notifications.queue_notification(
            "request_approval_delegated",
            [delegation.delegate],
            {
                "service_request": request,
                "step": step,
                "approver": delegation.delegator,
                "inbox_url": reverse("requests:approval_inbox"),
            },
            category=CATEGORY,
        )


def answer_lines(request: ServiceRequest) -> list[AnswerLine]:
    fields = request.form_version.fields if request.form_version else []
    return describe_answers(fields, request.answers)


def _end_step(
    step: RequestApproval,
    request: ServiceRequest,
    *,
    outcome: str,
    note: str,
    reason: str,
    at: dt.datetime,
    actor: User | None = None,
    due: bool = False,
) -> None:
    """The step is decided: the votes still pending are not needed, the journal says how, and
    the request moves on (the next step, or the approval's end)."""
    step.state = StepState.APPROVED if outcome == APPROVE else StepState.REJECTED
    step.decided_at = at
    step.outcome_note = note[:250]
    step.save(update_fields=["state", "decided_at", "outcome_note"])
    step.votes.filter(decision=Decision.PENDING).update(decision=Decision.NOT_NEEDED)
    record_event(
        EventType.REQUEST_APPROVAL_CONCLUDED,
        request,
        actor=actor,
        occurred_at=at,
        data={**_describe(step), "outcome": step.state, "note": step.outcome_note, "due": due},
    )
    later = request.approvals.filter(state=StepState.WAITING, position__gt=step.position)
    if outcome == APPROVE:
        following = later.order_by("position").first()
        if following is not None:
            _start_step(following, request, at, actor)
            return
    else:
        later.update(state=StepState.WITHDRAWN, decided_at=at)
    from kaizen.requests.services import lifecycle

    approved = outcome == APPROVE
    # The requester hears of the outcome from the request's own move (services/notices.py).
    lifecycle.conclude_approval(request, approved=approved, actor=actor, at=at, reason=reason)


def _settle(
    step: RequestApproval, request: ServiceRequest, at: dt.datetime, actor: User | None
) -> None:
    """Count the step's votes; end it when the outcome is certain."""
    votes = list(step.votes.all())
    tally = _tally(votes)
    outcome = quorum.group_outcome(_rule(step), tally)
    if outcome is None:
        return
    k = quorum.needed(_rule(step), tally.size)
    if outcome == APPROVE:
        note = (
            f"all {tally.size} approved"
            if step.policy == ApprovalPolicy.ALL
            else f"{tally.approve} of {k} needed approved ({tally.size} asked)"
        )
        _end_step(step, request, outcome=APPROVE, note=note, reason="", at=at, actor=actor)
        return
    rejections = [vote for vote in votes if vote.decision == Decision.REJECTED]
    last = max(rejections, key=lambda vote: (vote.decided_at or at, vote.pk))
    if step.policy == ApprovalPolicy.ALL:
        note = f"rejected by {last.approver}"
    else:
        note = (
            f"{tally.reject} rejected: {k} approval{'s' if k != 1 else ''} can no longer be "
            f"reached ({tally.size} asked)"
        )
    reason = last.comment or f"{step.name}: {note}"
    _end_step(step, request, outcome=REJECT, note=note, reason=reason, at=at, actor=actor)


@transaction.atomic
def do_open_approval(request: ServiceRequest, *, at: dt.datetime) -> bool:
    """Copy the type's steps onto the request and start the first; False when the type has
    none (the request is approved at once). The first step starts once the request is
    awaiting approval (`start_first_step`): it may end at once when nobody may decide it."""
    templates = list(request.request_type.approval_steps.prefetch_related("people"))
    if not templates:
        return False
    steps = RequestApproval.objects.bulk_create(
        RequestApproval(
            request=request,
            position=template.position,
            name=template.name,
            approver_source=template.approver_source,
            team_id=template.team_id,
            policy=template.policy,
            required=template.required,
            due_hours=template.due_hours,
            due_action=template.due_action,
        )
        for template in templates
    )
    named = RequestApproval.people.through
    named.objects.bulk_create(
        named(requestapproval_id=step.pk, user_id=person.pk)
        for step, template in zip(steps, templates, strict=True)
        for person in template.people.all()
    )
    return True


def start_first_step(request: ServiceRequest, *, at: dt.datetime) -> None:
    """Start the first step of an approval opened by `do_open_approval`, once the request is
    awaiting approval (a step that ends at once then moves it on)."""
    first = request.approvals.filter(state=StepState.WAITING).order_by("position").first()
    if first is not None:
        _start_step(first, request, at)


def withdraw_open_approvals(request: ServiceRequest, *, at: dt.datetime) -> None:
    """A cancelled request's steps still waiting or pending are withdrawn, and their pending
    votes no longer needed (their e-mail links then say so)."""
    ApprovalVote.objects.filter(approval__request=request, decision=Decision.PENDING).update(
        decision=Decision.NOT_NEEDED
    )
    request.approvals.filter(state__in=(StepState.WAITING, StepState.PENDING)).update(
        state=StepState.WITHDRAWN, decided_at=at
    )


# -- deciding -----------------------------------------------------------------------------------


def _locked_request(request: ServiceRequest) -> ServiceRequest:
    locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != State.AWAITING_APPROVAL:
        raise Conflict(
            f"{locked.number} is {locked.get_state_display().lower()}: it is not awaiting approval"
        )
    return locked


def current_step(request: ServiceRequest) -> RequestApproval | None:
    return request.approvals.filter(state=StepState.PENDING).order_by("position").first()


def _record_vote(
    vote: ApprovalVote,
    step: RequestApproval,
    request: ServiceRequest,
    *,
    actor: User,
    decision: str,
    comment: str,
    at: dt.datetime,
    via: str,
) -> ApprovalVote:
    vote.decision = DECISIONS[decision]
    vote.decided_by = actor
    vote.decided_at = at
    vote.comment = comment
    fields = ["decision", "decided_by", "decided_at", "comment"]
    if via == "email link":
        vote.link_used_at = at
        fields.append("link_used_at")
    vote.save(update_fields=fields)
    data = {
        **_describe(step),
        "approver": to_journal_value(vote.approver),
        "decision": vote.decision,
        "comment": comment,
    }
    if actor.pk != vote.approver_id:
        data["on_behalf_of"] = to_journal_value(vote.approver)
        data["via"] = "delegation"
    elif via:
        data["via"] = via
    record_event(EventType.REQUEST_APPROVAL_VOTED, request, actor=actor, occurred_at=at, data=data)
    _settle(step, request, at, actor)
    return vote


def _check_decision(decision: str) -> None:
    if decision not in DECISIONS:
        raise ValidationError({"decision": "choose approve or reject"})


@transaction.atomic
def do_decide(
    request: ServiceRequest,
    *,
    actor: User,
    decision: str,
    comment: str = "",
    at: dt.datetime | None = None,
    on_behalf_of: User | None = None,
) -> ApprovalVote:
    """Decide `actor`'s own pending vote on the request's current step, or (when they have none,
    or `on_behalf_of` names someone) a vote they hold by delegation during its period."""
    at = at or timezone.now()
    _check_decision(decision)
    comment = comment.strip()
    if actor.pk in (request.requested_for_id, request.requested_by_id):
        raise Conflict(
            f"You cannot decide the approval of {request.number}: nobody approves their own "
            "request (or one they submitted for someone)."
        )
    locked = _locked_request(request)
    step = current_step(locked)
    if step is None:
        raise Conflict(f"{locked.number} has no approval step awaiting decisions")
    pending = step.votes.select_related("approver").filter(decision=Decision.PENDING)
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        holders = [on_behalf_of.pk] if on_behalf_of.pk in delegators_of(actor, at) else []
    else:
        holders = [actor.pk]
        if not pending.filter(approver=actor).exists():
            holders = delegators_of(actor, at)
    vote = pending.filter(approver__in=holders).order_by("pk").first()
    if vote is None:
        if step.votes.filter(approver=actor).exists():
            raise Conflict(f"Your decision on {locked.number} is already recorded or not needed")
        raise Conflict(
            f"You are not asked to decide step {step.position} ({step.name}) of "
            f"{locked.number}, nor for anyone away who delegated to you"
        )
    if vote.approver_id in (request.requested_for_id, request.requested_by_id):
        raise Conflict("nobody approves their own request")
    return _record_vote(
        vote, step, locked, actor=actor, decision=decision, comment=comment, at=at, via=""
    )


@transaction.atomic
def do_decide_by_link(
    token: str, *, decision: str, comment: str = "", at: dt.datetime | None = None
) -> ApprovalVote:
    """Decide through an e-mail link (no sign-in): the link's approver decides their own vote;
    the link is used up. Raises LinkError when the link cannot decide."""
    at = at or timezone.now()
    _check_decision(decision)
    found = vote_for_link(token, at=at)
    vote = ApprovalVote.objects.select_for_update().select_related("approver").get(pk=found.pk)
    request = found.approval.request
    if vote.link_used_at is not None or vote.decision != Decision.PENDING:
        raise LinkError("used", "This link was already used: each link decides once.")
    locked = _locked_request(request)
    step = current_step(locked)
    if step is None or step.pk != vote.approval_id:
        raise LinkError("closed", f"Your decision on {locked.number} is no longer needed.")
    return _record_vote(
        vote,
        step,
        locked,
        actor=vote.approver,
        decision=decision,
        comment=comment.strip(),
        at=at,
        via="email link",
    )


# -- due dates ----------------------------------------------------------------------------------


@transaction.atomic
def do_apply_due_action(step: RequestApproval, *, at: dt.datetime | None = None) -> bool:
    """Apply the step's default action if it is still pending past its due time (checked again
    under the request's row lock, so two workers never both apply it)."""
    at = at or timezone.now()
    request = ServiceRequest.objects.select_for_update().get(pk=step.request_id)
    step = RequestApproval.objects.get(pk=step.pk)
    if (
        request.state != State.AWAITING_APPROVAL
        or step.state != StepState.PENDING
        or step.due_at is None
        or step.due_at > at
    ):
        return False
    approver_ids = list(
        step.votes.filter(decision=Decision.PENDING).values_list("approver", flat=True)
    )
    outcome = APPROVE if step.due_action == DueAction.APPROVE else REJECT
    word = "approved" if outcome == APPROVE else "rejected"
    note = f"{DUE_REASON}: {word} by default"
    notifications.queue_notification(
        "request_approval_due",
        User.objects.filter(pk__in=approver_ids),
        {"service_request": request, "step": step, "outcome": word},
        category=CATEGORY,
    )
    _end_step(step, request, outcome=outcome, note=note, reason=DUE_REASON, at=at, due=True)
    return True


def do_apply_due_approvals(at: dt.datetime | None = None) -> dict[str, int]:
    """Every pending step past its due time gets its default action; returns the counts."""
    at = at or timezone.now()
    due = RequestApproval.objects.filter(
        state=StepState.PENDING, due_at__lte=at, request__state=State.AWAITING_APPROVAL
    ).order_by("due_at", "pk")
    done = {"approved": 0, "rejected": 0}
    for step in list(due):  # read first: each is then claimed under its own lock
        if do_apply_due_action(step, at=at):
            done["approved" if step.due_action == DueAction.APPROVE else "rejected"] += 1
    return done
