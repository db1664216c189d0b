"""Escalation steps that change the incident itself, through the incident services."""

from typing import Any

from kaizen.people.models import Team
from kaizen.sla.models import EscalationAction


def escalate_incident(incident: Any, action: str, step: dict[str, Any]) -> None:
    from kaizen.incidents import services as incident_services

    if incident.state in ("resolved", "closed", "cancelled"):
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
