"""When an approval round is decided: pure functions over vote counts, no database.

A round has one or two groups of approvers (the policy's route, and a change manager when the
policy asks for one too); each group has a rule:

- count (k of n): approved once k approve; rejected as soon as k can no longer be reached
  (approvals + approvers still to vote < k): rejections and abstentions both use up votes.
- all: every approver who does not abstain approves; one rejection rejects at once (a refusal
  at a 100 % quorum). If everyone abstains nobody decided: the tie action applies.
- majority (quorum q): once at least q votes are cast (abstentions count towards the quorum),
  the side with more votes wins as soon as the votes still to come cannot turn it; equal
  counts with nobody left to vote are a tie, and the tie action applies (when the tie action
  favours a side, a tie that is certain already decides for it).

The round is rejected once any group rejects, escalated once any group is tied with
"escalate", and authorised once every group approves. Once escalated, the first change
manager to approve or reject decides.
"""

from typing import NamedTuple

APPROVE = "approve"
REJECT = "reject"
ESCALATE = "escalate"


class Tally(NamedTuple):
    approve: int
    reject: int
    abstain: int
    pending: int

    @property
    def size(self) -> int:
        return self.approve + self.reject + self.abstain + self.pending

    @property
    def cast(self) -> int:
        return self.approve + self.reject + self.abstain


class GroupRule(NamedTuple):
    rule: str  # "count", "all", "majority" (models.Rule) or "first"
    required: int | None  # k, or the quorum; None: 1 for count, half (rounded up) for majority
    tie_action: str  # "approve", "reject", "escalate"


def needed(rule: GroupRule, size: int) -> int:
    """The k of a count rule or the quorum of a majority, never more than the approvers."""
    if rule.rule == "majority":
        wanted = rule.required if rule.required else (size + 1) // 2
    else:
        wanted = rule.required or 1
    return max(1, min(wanted, size)) if size else 0


def group_outcome(rule: GroupRule, tally: Tally) -> str | None:
    """ "approve", "reject", "escalate", or None while the votes to come could still change it."""
    if tally.size == 0:
        return None
    if rule.rule == "first":
        if tally.approve:
            return APPROVE
        if tally.reject:
            return REJECT
        return REJECT if tally.pending == 0 else None
    if rule.rule == "count":
        k = needed(rule, tally.size)
        if tally.approve >= k:
            return APPROVE
        if tally.approve + tally.pending < k:
            return REJECT
        return None
    if rule.rule == "all":
        if tally.reject:
            return REJECT
        if tally.pending:
            return None
        return APPROVE if tally.approve else rule.tie_action
    # majority
    if tally.cast < needed(rule, tally.size):
        return None
    if tally.approve > tally.reject + tally.pending:
        return APPROVE
    if tally.reject > tally.approve + tally.pending:
        return REJECT
    if rule.tie_action == APPROVE and tally.approve == tally.reject + tally.pending:
        return APPROVE
    if rule.tie_action == REJECT and tally.reject == tally.approve + tally.pending:
        return REJECT
    if tally.pending == 0 and tally.approve == tally.reject:
        return rule.tie_action
    return None


def round_outcome(groups: list[tuple[GroupRule, Tally]]) -> str | None:
    """Every group must approve; any group's rejection rejects; a tie to escalate escalates."""
    outcomes = [group_outcome(rule, tally) for rule, tally in groups if tally.size]
    if not outcomes:
        return None
    if REJECT in outcomes:
        return REJECT
    if ESCALATE in outcomes:
        return ESCALATE
    if all(outcome == APPROVE for outcome in outcomes):
        return APPROVE
    return None


def progress_text(rule: GroupRule, tally: Tally) -> str:
    """The group's progress in words: "1 of 2 approvals needed; 3 still to vote"."""
    if tally.size == 0:
        return "nobody to ask"
    still = f"{tally.pending} still to vote" if tally.pending else "everyone has voted"
    if rule.rule == "first":
        return f"the first change manager to approve or reject decides; {still}"
    if rule.rule == "count":
        k = needed(rule, tally.size)
        if tally.approve >= k:
            return (
                f"{tally.approve} approval{'s' if tally.approve != 1 else ''}, "
                f"{k} needed ({tally.size} asked); {still}"
            )
        return (
            f"{tally.approve} of {k} approval{'s' if k != 1 else ''} needed "
            f"({tally.size} asked); {still}"
        )
    if rule.rule == "all":
        return f"{tally.approve} of {tally.size} approved, all are needed; {still}"
    q = needed(rule, tally.size)
    return (
        f"{tally.approve} for, {tally.reject} against, {tally.abstain} abstaining; "
        f"quorum {q} of {tally.size} votes; {still}"
    )
