"""How the change app's events read (kaizen/journal/presenting.py): comments, work notes and
files by their words and names, caused incidents linked to the incident, decisions by their
words."""

from collections.abc import Mapping
from typing import Any

from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.changes.models import (
    AgendaOutcome,
    CausedIncidentStatus,
    ChangeAttachment,
    ChangeComment,
    Decision,
    Fallback,
    Risk,
    RiskRuleKind,
)
from kaizen.changes.permissions import can_comment_on_change, can_see_work_notes
from kaizen.changes.services.evidence import TIERS
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.journal.ticket_activity import register_ticket_activity_shapes


def _may_read(reader: Any, change: Any, work_note: bool) -> bool:
    if work_note:
        return can_see_work_notes(reader)
    return can_comment_on_change(reader, change)


def incident_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Incident numbers linked to the incident (one query for a page of history)."""
    found = tickets_numbered("incident", raw)
    return {number: Link(number, row.url) for number, row in found.items() if row.url}


register_event_shape(
    EventType.CHANGE_CATEGORY_CREATED,
    EventType.CHANGE_TEMPLATE_PROPOSED,
    creates=True,
)
register_ticket_activity_shapes(
    comment_model=ChangeComment,
    attachment_model=ChangeAttachment,
    comment_events=(EventType.CHANGE_COMMENTED, EventType.CHANGE_WORK_NOTE_ADDED),
    attachment_event=EventType.CHANGE_ATTACHMENT_ADDED,
    may_read=_may_read,
)
register_event_shape(
    EventType.CAUSED_INCIDENT_PROPOSED,
    EventType.CAUSED_INCIDENT_DECIDED,
    keys={
        "incident": Key("Incident", names=incident_names),
        "status": Key("Now", choices=dict(CausedIncidentStatus.choices)),
        "reason": Key("Why"),
    },
)
register_event_shape(
    EventType.CHANGE_AUTHORISED,
    EventType.CHANGE_REJECTED,
    EventType.CHANGE_TEMPLATE_DECIDED,
    keys={"note": Key("Note")},
)
register_event_shape(
    EventType.CHANGE_TEMPLATE_PROPOSED,
    creates=True,
    keys={"version_number": Key("Version")},
)


# -- authorisation by the CAB (services/approvals.py, policies.py, meetings.py) ---------------

VOTES = dict(Decision.choices)
register_event_shape(
    EventType.CHANGE_AUTHORISATION_REQUESTED,
    keys={
        "round": Key(hidden=True),
        "policy": Key("Policy"),
        "approvers": Key("Approvers"),
        "due_at": Key("Due"),
        "due_action": Key("At the due time", choices=dict(Fallback.choices)),
        "reason": Key("Why these approvers"),
    },
)
register_event_shape(
    EventType.CHANGE_VOTE_CAST,
    keys={
        "round": Key(hidden=True),
        "approver": Key("Approver"),
        "decision": Key("Vote", choices=VOTES),
        "previous": Key("Before", choices=VOTES),
        "comment": Key("Comment"),
        "via": Key(
            "Cast", choices={"delegation": "by their delegate", "meeting": "in a CAB meeting"}
        ),
    },
)
register_event_shape(
    EventType.CHANGE_AUTHORISATION_ESCALATED,
    keys={"round": Key(hidden=True), "why": Key("Why"), "approvers": Key("Change managers")},
)
register_event_shape(
    EventType.CHANGE_AUTHORISATION_WITHDRAWN,
    keys={"round": Key(hidden=True), "reason": Key("Why")},
)
register_event_shape(
    EventType.APPROVAL_DELEGATED,
    EventType.APPROVAL_DELEGATION_REVOKED,
    keys={
        "delegation": Key(hidden=True),
        "delegate": Key("Votes for them"),
        "starts_at": Key("From"),
        "ends_at": Key("Until"),
        "reason": Key("Why"),
    },
)
register_event_shape(
    EventType.CHANGE_APPROVAL_POLICY_CREATED,
    EventType.CAB_SCHEDULE_CREATED,
    EventType.CAB_MEETING_CREATED,
    creates=True,
)
register_event_shape(
    EventType.CAB_AGENDA_ITEM_ADDED,
    EventType.CAB_AGENDA_ITEM_DECIDED,
    keys={
        "change": Key("Change"),
        "position": Key("Position"),
        "outcome": Key("Outcome", choices=dict(AgendaOutcome.choices)),
        "note": Key("Note"),
        "votes": Key("Votes", choices=VOTES),
    },
)
# What was seen: on the change it is journaled on, or on the unauthorised change it created.
SIGHTING_KEYS = {
    "ci": Key("Configuration item"),
    "seen_at": Key("Seen"),
    "source": Key("Seen by"),
    "what": Key("What"),
}
register_event_shape(EventType.CHANGE_WORK_DETECTED, keys=SIGHTING_KEYS)
register_event_shape(EventType.CHANGE_CREATED, creates=True, keys=SIGHTING_KEYS)


def _rule_words(rule: Any) -> str:
    """A risk rule as the questionnaire page says it: "Emergency change: at least high"."""
    kind = dict(RiskRuleKind.choices).get(rule.get("kind"), str(rule.get("kind")))
    which = rule.get("ci_type") or rule.get("criticality") or ""
    at_least = dict(Risk.choices).get(rule.get("at_least"), str(rule.get("at_least")))
    return f"{kind}{f' ({which})' if which else ''}: at least {str(at_least).lower()}"


# Risk (services/risk.py): the answers as the person chose them, the estimate in words.
register_event_shape(
    EventType.CHANGE_RISK_ANSWERED,
    keys={
        "questionnaire": Key("Questionnaire version"),
        "score": Key("Score"),
        "answers": Key("Answers"),
    },
)
register_event_shape(
    EventType.CHANGE_RISK_ASSESSED,
    keys={
        "stated_risk": Key("Stated risk", choices={str(v): label for v, label in Risk.choices}),
        "estimate": Key("Estimated failure probability"),
        "tier": Key("Compared with", choices={tier.key: tier.label for tier in TIERS}),
        "assessed_at": Key("As it stood on"),
        **{
            name: Key(hidden=True)
            for name in (
                "probability",
                "interval_low",
                "interval_high",
                "sample_size",
                "bad_outcomes",
            )
        },
    },
)
register_event_shape(
    EventType.RISK_QUESTIONNAIRE_PUBLISHED,
    creates=True,
    keys={
        "version_number": Key("Version"),
        "moderate_from": Key("Moderate from score"),
        "high_from": Key("High from score"),
        "very_high_from": Key("Very high from score"),
        "questions": Key("Questions", text=lambda question: str(question.get("text", ""))),
        "rules": Key("Rules", text=_rule_words),
        "note": Key("Note"),
    },
)

# The change calendar (services/calendar.py, conflicts.py).
register_event_shape(EventType.CHANGE_WINDOW_CREATED, creates=True)
register_event_shape(
    EventType.CHANGE_CONFLICT_ACKNOWLEDGED,
    keys={
        "conflict": Key("Conflict"),
        "kind": Key("Kind"),
        "reason": Key("Why it may go ahead"),
        "planned_start": Key("Planned start"),
        "planned_end": Key("Planned end"),
    },
)
register_event_shape(
    EventType.CALENDAR_FEED_CREATED,
    EventType.CALENDAR_FEED_REVOKED,
    keys={"prefix": Key("Address starting")},
)
