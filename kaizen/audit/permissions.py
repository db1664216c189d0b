"""Who may read the whole audit trail.

Built on the people app's primitives (kaizen.people.permissions); the web views and the
API both ask these functions, never their own rules.
"""

from kaizen.people.models import User
from kaizen.people.permissions import is_admin, is_agent, leads_any_process


def can_view_audit(user: User) -> bool:
    """The whole audit trail: administrators, and owners/managers of any process."""
    if is_admin(user):
        return True
    return is_agent(user) and leads_any_process(user)
