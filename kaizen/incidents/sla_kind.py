"""Incidents as a ticket kind of the SLA app: their states, the fields SLA definitions match
on, their on-hold reasons and the escalations that change an incident. Registered from
IncidentsConfig.ready(); the SLA app knows incidents only through this registration."""

from typing import Any

from kaizen.incidents import services as incident_services
from kaizen.incidents.models import Incident, OnHoldReason, State
from kaizen.people.models import Team
from kaizen.sla.engine import StateRules
from kaizen.sla.kinds import TicketKind, register_kind
from kaizen.sla.models import EscalationAction

# Today's incident clock semantics (docs/sla.md): counting while New, Assigned, In progress
# or On hold for a reason the definition does not list; the response clock stops at the first
# response (first_responded_at: In progress, a public comment or the resolution), the
# resolution clock at Resolved or Closed and resumes on reopen; Cancelled cancels both.
INCIDENT_RULES = StateRules(
    open_states=frozenset(
        str(state) for state in (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD)
    ),
    on_hold_state=str(State.ON_HOLD),
    stopped_states=frozenset({str(State.RESOLVED), str(State.CLOSED)}),
    cancelled_states=frozenset({str(State.CANCELLED)}),
    first_response_field="first_responded_at",
    on_hold_reason_field="on_hold_reason",
    state_field="state",
)


def escalate_incident(incident: Any, action: str, step: dict[str, Any]) -> None:
    """Escalation steps that change the incident itself, through the incident services."""
    if incident.state in (State.RESOLVED, State.CLOSED, State.CANCELLED):
        return
    if action == EscalationAction.REASSIGN:
        team = Team.objects.filter(slug=step.get("team"), is_active=True).first()
        if team is None or team.pk == incident.assignment_group_id:
            return
        incident_services.do_assign_incident(
            incident, assignment_group=team, assignee=None, actor=None, expected_version=None
        )
    elif action == EscalationAction.RAISE_PRIORITY:
        # Priority follows impact x urgency: raise the urgency first, then the impact.
        if incident.urgency > 1:
            change = {"urgency": incident.urgency - 1}
        elif incident.impact > 1:
            change = {"impact": incident.impact - 1}
        else:
            return
        incident_services.do_update_incident(incident, actor=None, expected_version=None, **change)


INCIDENT_KIND = TicketKind(
    key="incident",
    label="Incident",
    model=Incident,
    rules=INCIDENT_RULES,
    # A definition may match on any field the journal records, as the engine reads them there.
    match_fields=incident_services.TRACKED_FIELDS,
    on_hold_reasons=tuple((str(value), label) for value, label in OnHoldReason.choices),
    escalate=escalate_incident,
    due_field="sla_due_at",
    sla_state_field="sla_state",
    opened_field="opened_at",
    assignee_field="assignee",
    group_field="assignment_group",
    notification_name="incident",
)


def register() -> None:
    register_kind(INCIDENT_KIND)
