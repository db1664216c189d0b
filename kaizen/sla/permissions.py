"""Who may see and change business calendars and SLA definitions.

Built on the people app's primitives (kaizen.people.permissions); the web
views and the API both ask these two functions.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent


def can_view_service_levels(user: User) -> bool:
    """Calendars and SLA definitions are internal: agents (and administrators) read them."""
    return is_agent(user) or is_admin(user)


def can_manage_service_levels(user: User) -> bool:
    """Create and edit calendars and definitions: service level owners/managers, admins."""
    return can_view_service_levels(user) and has_process_role(
        user, Process.SERVICE_LEVEL, LEADERSHIP
    )
