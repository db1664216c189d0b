"""How a request's approval events read in its history (kaizen/journal/presenting.py):
REQUEST_APPROVAL_REQUESTED, _VOTED and _CONCLUDED, written by
kaizen/requests/services/approvals.py. Registered when imported: the app's ready() imports
this module (beside the request's own event_shapes.py)."""

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape
from kaizen.requests.models import ApprovalPolicy, Decision, DueAction, StepState

STEP_KEYS = {"step": Key("Step"), "step_name": Key("Name")}
register_event_shape(
    EventType.REQUEST_APPROVAL_REQUESTED,
    keys={
        **STEP_KEYS,
        "policy": Key("Policy", choices=dict(ApprovalPolicy.choices)),
        "required": Key("Approvals needed (k)"),
        "approvers": Key("Approvers"),
        "fallback": Key("Nobody resolved, so asked"),
        "due_at": Key("Due"),
        "due_action": Key("At the due time", choices=dict(DueAction.choices)),
    },
)
register_event_shape(
    EventType.REQUEST_APPROVAL_VOTED,
    keys={
        **STEP_KEYS,
        "approver": Key("Approver"),
        "decision": Key("Decision", choices=dict(Decision.choices)),
        "comment": Key("Comment"),
        "on_behalf_of": Key(hidden=True),
        "via": Key(
            "Decided",
            choices={"delegation": "by their delegate", "email link": "from the e-mail link"},
        ),
    },
)
register_event_shape(
    EventType.REQUEST_APPROVAL_CONCLUDED,
    keys={
        **STEP_KEYS,
        "outcome": Key("Outcome", choices=dict(StepState.choices)),
        "note": Key("How"),
        "due": Key(hidden=True),
    },
)
