"""Service requests and their fulfilment tasks as ticket kinds of the SLA app: the delivery
target of a request (e.g. a laptop delivered within 5 business days) and the OLA of each task
(e.g. the desk images a laptop within 1 business day). Registered from RequestsConfig.ready();
the SLA app knows requests only through these registrations.

A request's clocks count from its submission. Awaiting approval and on hold are holds the
definition decides about: it pauses for the reasons it lists in `pause_reasons`
("awaiting_approval" for the approval, "awaiting_requester", "awaiting_supplier",
"awaiting_stock" for holds), so "5 days from approval" and "5 days from submission" are both
expressible. The response clock stops at the first agent response (assignment or comment);
the resolution clock stops when the request is fulfilled, fails or is closed. A rejected or
cancelled request has its clocks cancelled. Requests have no priority: the escalations that
notify apply, reassigning or raising a priority does not.

A task's clock counts from when it is ready (its earlier tasks are done) while open, in
progress or on hold (on hold pauses for the listed reasons) and stops when it is done or
fails; a cancelled task's clocks are cancelled.
"""

from kaizen.requests.models import (
    AWAITING_APPROVAL_REASON,
    ClockPhase,
    FulfilmentTask,
    HoldReason,
    ServiceRequest,
    TaskState,
)
from kaizen.sla.engine import StateRules
from kaizen.sla.kinds import TicketKind, register_kind

REQUEST_RULES = StateRules(
    open_states=frozenset({str(ClockPhase.RUNNING), str(ClockPhase.HELD)}),
    on_hold_state=str(ClockPhase.HELD),
    stopped_states=frozenset({str(ClockPhase.DONE)}),
    cancelled_states=frozenset({str(ClockPhase.CANCELLED)}),
    first_response_field="responded_at",
    on_hold_reason_field="clock_hold_reason",
    state_field="clock_phase",
)
REQUEST_MATCH_FIELDS = ("request_type", "offering", "service", "assignment_group", "channel")

TASK_RULES = StateRules(
    open_states=frozenset(
        {str(TaskState.OPEN), str(TaskState.IN_PROGRESS), str(TaskState.ON_HOLD)}
    ),
    on_hold_state=str(TaskState.ON_HOLD),
    stopped_states=frozenset({str(TaskState.DONE), str(TaskState.FAILED)}),
    cancelled_states=frozenset({str(TaskState.CANCELLED)}),
    first_response_field="started_at",
    on_hold_reason_field="hold_reason",
    state_field="state",
)
TASK_MATCH_FIELDS = ("assignment_group", "position")


REQUEST_KIND = TicketKind(
    key="request",
    label="Service request",
    model=ServiceRequest,
    rules=REQUEST_RULES,
    match_fields=REQUEST_MATCH_FIELDS,
    on_hold_reasons=(
        (AWAITING_APPROVAL_REASON, "Awaiting approval"),
        *HoldReason.choices,
    ),
    assignee_field="assignee",
    group_field="assignment_group",
    title_field="title",
    notification_name="request",
)
TASK_KIND = TicketKind(
    key="request_task",
    label="Fulfilment task",
    model=FulfilmentTask,
    rules=TASK_RULES,
    match_fields=TASK_MATCH_FIELDS,
    on_hold_reasons=tuple(HoldReason.choices),
    assignee_field="assignee",
    group_field="assignment_group",
    title_field="title",
    notification_name="request_task",
)


def register() -> None:
    register_kind(REQUEST_KIND)
    register_kind(TASK_KIND)
