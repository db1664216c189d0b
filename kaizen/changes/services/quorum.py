"""When a change's approval round is decided: pure functions over vote counts, no database.
The rules of one group are generic (kaizen/core/quorum.py, shared with service requests);
this module adds what a change round adds: several groups, escalation, and the words.

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

from kaizen.core.quorum import (
    APPROVE,
    ESCALATE,
    REJECT,
    GroupRule,
    Tally,
    group_outcome,
    needed,
)

__all__ = [
    "APPROVE",
    "ESCALATE",
    "REJECT",
    "GroupRule",
    "Tally",
    "group_outcome",
    "needed",
    "progress_text",
    "round_outcome",
]


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
