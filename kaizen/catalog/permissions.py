"""Who may see and change the service catalogue and the CMDB.

Built on the people app's primitives (kaizen.people.permissions); the web views and the
API both ask these functions, never their own rules.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_agent


def can_manage_catalog(user: User) -> bool:
    """Create services, edit any service, manage offerings and dependencies."""
    return is_agent(user) and has_process_role(user, Process.CATALOG, LEADERSHIP)


def can_edit_service(user: User, service: object) -> bool:
    """The catalogue's owner/manager, or the service owner for their own service."""
    if can_manage_catalog(user):
        return True
    return is_agent(user) and getattr(service, "owner_id", None) == user.pk


def can_view_cmdb(user: User) -> bool:
    return is_agent(user)


def can_manage_cmdb(user: User) -> bool:
    """Configuration items: catalogue leadership and change leadership (changes alter CIs)."""
    return is_agent(user) and (
        has_process_role(user, Process.CATALOG, LEADERSHIP)
        or has_process_role(user, Process.CHANGE, LEADERSHIP)
    )
