"""Changes as a ticket kind of the SLA app, for sites that set change targets (e.g. a normal
change authorised within 3 business days of its submission, or any change implemented within
10). Registered from ChangesConfig.ready(); the SLA app knows changes only through this
registration.

The clocks count from the submission (a draft is the requester's own time) while the change is
assessed, authorised, scheduled and implemented. The response clock stops at the
authorisation, so it measures the decision; the resolution clock stops when the work is done
(Review, Closed). A change sent back to its requester as a draft counts nothing until it is
submitted again. A cancelled or rejected change
has its clocks cancelled, as a cancelled incident's are. Standard changes are pre-authorised:
an authorisation target applies to normal and emergency changes (a condition on the type)."""

import logging
from typing import Any

from django.core.exceptions import ValidationError

from kaizen.changes.models import Change, State
from kaizen.changes.services.records import do_update_change
from kaizen.sla.engine import StateRules
from kaizen.sla.kinds import TicketKind, escalation_through, register_kind

logger = logging.getLogger(__name__)

CHANGE_RULES = StateRules(
    open_states=frozenset(
        str(state) for state in (State.ASSESS, State.AUTHORISE, State.SCHEDULED, State.IMPLEMENT)
    ),
    on_hold_state="",
    stopped_states=frozenset({str(State.REVIEW), str(State.CLOSED)}),
    cancelled_states=frozenset({str(State.CANCELLED), str(State.REJECTED)}),
    first_response_field="authorised_at",
    on_hold_reason_field="",
    state_field="state",
)
# What a change definition may match on: the scalar fields of its journal.
MATCH_FIELDS = (
    "change_type",
    "priority",
    "impact",
    "urgency",
    "risk",
    "category",
    "template",
    "assignment_group",
    "expected_outage",
)
# Once the work starts the plan is the record of what was authorised (services/records.py):
# an escalation no longer reassigns or re-prioritises it.
NOT_ESCALATED = (State.IMPLEMENT, State.REVIEW, State.CLOSED, State.CANCELLED, State.REJECTED)


def _update(change: Change, **fields: Any) -> None:
    try:
        do_update_change(change, actor=None, expected_version=None, **fields)
    except ValidationError as error:
        # The change's own rules refused it (e.g. a plan that no longer fits the calendar):
        # the escalation's notifications still go out; the scan goes on with other tickets.
        logger.warning("SLA escalation of %s not applied: %s", change.number, error.messages)


CHANGE_KIND = TicketKind(
    key="change",
    label="Change",
    model=Change,
    rules=CHANGE_RULES,
    match_fields=MATCH_FIELDS,
    on_hold_reasons=(),
    escalate=escalation_through(_update, final_states=NOT_ESCALATED),
    assignee_field="owner",
    group_field="assignment_group",
    title_field="title",
    notification_name="change",
)


def register() -> None:
    register_kind(CHANGE_KIND)
