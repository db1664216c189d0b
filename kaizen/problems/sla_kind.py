"""Problems as a ticket kind of the SLA app, for sites that set problem targets (e.g. a
priority 1 problem assessed within 1 business day and resolved within 20). Registered from
ProblemsConfig.ready(); the SLA app knows problems only through this registration.

The clocks count while the problem is open (New to Fix in progress); the response clock stops
when it is first assessed, the resolution clock at Resolved or Closed and resumes on
re-opening. Problems are never put on hold, and one closed as a duplicate or cancelled stops
its clocks like any closure (the closure code says why)."""

from typing import Any

from kaizen.problems.models import OPEN_STATES, Problem, State
from kaizen.problems.services.records import do_update_problem
from kaizen.sla.engine import StateRules
from kaizen.sla.kinds import TicketKind, escalation_through, register_kind

PROBLEM_RULES = StateRules(
    open_states=frozenset(str(state) for state in OPEN_STATES),
    on_hold_state="",
    stopped_states=frozenset({str(State.RESOLVED), str(State.CLOSED)}),
    cancelled_states=frozenset(),
    first_response_field="assessed_at",
    on_hold_reason_field="",
    state_field="state",
)
# What a problem definition may match on: the scalar fields of its journal.
MATCH_FIELDS = (
    "priority",
    "impact",
    "urgency",
    "category",
    "assignment_group",
    "cause_category",
    "origin",
)


def _update(problem: Any, **fields: Any) -> None:
    do_update_problem(problem, actor=None, expected_version=None, **fields)


PROBLEM_KIND = TicketKind(
    key="problem",
    label="Problem",
    model=Problem,
    rules=PROBLEM_RULES,
    match_fields=MATCH_FIELDS,
    on_hold_reasons=(),
    escalate=escalation_through(_update, final_states=(State.RESOLVED, State.CLOSED)),
    assignee_field="owner",
    group_field="assignment_group",
    title_field="statement",
    notification_name="problem",
)


def register() -> None:
    register_kind(PROBLEM_KIND)
