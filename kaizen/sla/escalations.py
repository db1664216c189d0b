"""What an SLA definition asks to happen when a clock reaches a threshold (or 100 %: breach)."""

from typing import Any

from kaizen.notifications.services import queue_notification
from kaizen.sla.models import EscalationAction, SLAClock


def _recipients(action: str, incident: Any) -> list[Any]:
    group = incident.assignment_group
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        return [incident.assignee] if incident.assignee_id else []
    if action == EscalationAction.NOTIFY_GROUP and group is not None:
        return list(group.members.filter(is_active=True))
    if action == EscalationAction.NOTIFY_MANAGER and group is not None and group.manager_id:
        return [group.manager]
    return []


def run_escalations(clock: SLAClock, incident: Any, percent: int) -> None:
    """Run the definition's escalations configured for exactly this threshold."""
    breach = percent >= 100
    for step in clock.definition.escalations or []:
        if int(step.get("at", 0)) != percent:
            continue
        action = step.get("action")
        recipients = _recipients(action, incident)
        if recipients:
            queue_notification(
                "sla_breach" if breach else "sla_warning",
                recipients,
                {"incident": incident, "clock": clock, "percent": percent},
                category="sla_breach" if breach else "sla_warning",
            )
        elif action in (EscalationAction.REASSIGN, EscalationAction.RAISE_PRIORITY):
            from kaizen.sla.incident_actions import escalate_incident

            escalate_incident(incident, action, step)
