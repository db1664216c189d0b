"""The stated risk of a change: from its template, or from the risk rules.

The rules are ordered and each may only raise the risk: an emergency change is at least high,
a change with an expected outage at least moderate, a high-impact change at least high. The
evidence from past changes (how changes like this one went) is shown beside the stated risk,
never folded into it.
"""

from kaizen.changes.models import Change, ChangeType, Impact, Risk


def stated_risk(change: Change) -> Risk:
    if change.change_type == ChangeType.STANDARD and change.template_id is not None:
        return Risk(change.template.risk)
    risk = Risk.LOW
    if change.expected_outage:
        risk = max(risk, Risk.MODERATE)
    if change.impact == Impact.HIGH:
        risk = max(risk, Risk.HIGH)
    if change.change_type == ChangeType.EMERGENCY:
        risk = max(risk, Risk.HIGH)
    return Risk(risk)
