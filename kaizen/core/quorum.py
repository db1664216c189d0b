"""When a vote is decided: pure functions over vote counts, no database. Shared by the
processes that ask people to approve (changes: kaizen/changes/services/quorum.py builds its
rounds on it; service requests: kaizen/requests/services/approvals.py).

A group of approvers has a rule:

- count (k of n): approved once k approve; rejected as soon as k can no longer be reached
  (approvals + approvers still to vote < k): rejections and abstentions both use up votes.
  "any one" is k = 1.
- all: every approver who does not abstain approves; one rejection rejects at once (a refusal
  at a 100 % quorum). If everyone abstains nobody decided: the tie action applies.
- majority (quorum q): once at least q votes are cast (abstentions count towards the quorum),
  the side with more votes wins as soon as the votes still to come cannot turn it; equal
  counts with nobody left to vote are a tie, and the tie action applies (when the tie action
  favours a side, a tie that is certain already decides for it).
- first: the first approver to approve or reject decides.
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
