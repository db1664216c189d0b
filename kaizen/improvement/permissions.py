"""Who may read and work the improvement register.

Built on the people app's primitives (kaizen.people.permissions); the web views and the
API both ask these functions, never their own rules.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_agent, leads_any_process


def can_view_register(user: User) -> bool:
    """The improvement register, goals, opportunities and reports are internal: agents.
    Requesters never see them (a shared report link is the way to show one outside)."""
    return is_agent(user)


def can_manage_register(user: User) -> bool:
    """The CSI manager's rights: goals, any initiative, opportunities (dismiss, start):
    continual improvement owners/managers and administrators."""
    return is_agent(user) and has_process_role(user, Process.IMPROVEMENT, LEADERSHIP)


def can_create_initiative(user: User) -> bool:
    """Raise an initiative: CSI leadership, and any process owner or manager (they own their
    process's KPIs and propose its improvements)."""
    if can_manage_register(user):
        return True
    return is_agent(user) and leads_any_process(user)


def can_work_initiative(user: User, initiative: object) -> bool:
    """Edit an initiative, record its step outputs and move its steps: its owner and the CSI
    manager (improvement owners/managers, administrators)."""
    if can_manage_register(user):
        return True
    return is_agent(user) and getattr(initiative, "owner_id", None) == user.pk


def can_update_action(user: User, action: object) -> bool:
    """An action's own owner reports its progress; the initiative's owner and the CSI manager
    manage every action."""
    if is_agent(user) and getattr(action, "owner_id", None) == user.pk:
        return True
    return can_work_initiative(user, getattr(action, "initiative", None))
