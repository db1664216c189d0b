"""What an SLA definition asks to happen when a clock reaches a threshold (or 100 %: breach):
notifications to the people the ticket's kind names, or the kind's own escalation hook."""

from typing import Any

from kaizen.notifications.services import queue_notification
from kaizen.sla.kinds import TicketKind
from kaizen.sla.models import EscalationAction, SLAClock


def _recipients(action: str, ticket: Any, kind: TicketKind) -> list[Any]:
    group = getattr(ticket, kind.group_field)
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        assignee = getattr(ticket, kind.assignee_field)
        return [assignee] if assignee is not None else []
    if action == EscalationAction.NOTIFY_GROUP and group is not None:
        return list(group.members.filter(is_active=True))
    if action == EscalationAction.NOTIFY_MANAGER and group is not None and group.manager_id:
        return [group.manager]
    return []


def notification_context(clock: SLAClock, ticket: Any, percent: int, kind: TicketKind) -> dict:
    """What the SLA notification templates read, whatever the ticket's kind."""
    return {
        kind.notification_name: ticket,
        "ticket": ticket,
        "ticket_label": kind.label,
        "ticket_title": getattr(ticket, kind.title_field),
        "ticket_path": ticket.get_absolute_url(),
        "assignee": getattr(ticket, kind.assignee_field),
        "group": getattr(ticket, kind.group_field),
        "clock": clock,
        "percent": percent,
    }


def run_escalations(clock: SLAClock, ticket: Any, percent: int, kind: TicketKind) -> None:
    """Run the definition's escalations configured for exactly this threshold."""
    breach = percent >= 100
    for step in clock.definition.escalations or []:
        if int(step.get("at", 0)) != percent:
            continue
        action = step.get("action")
        recipients = _recipients(action, ticket, kind)
        if recipients:
            queue_notification(
                "sla_breach" if breach else "sla_warning",
                recipients,
                notification_context(clock, ticket, percent, kind),
                category="sla_breach" if breach else "sla_warning",
            )
        elif (
            action in (EscalationAction.REASSIGN, EscalationAction.RAISE_PRIORITY)
            and kind.escalate is not None
        ):
            kind.escalate(ticket, action, step)
