"""Who may do what with surveys. The web UI and the API both ask these functions.

- The service level manager and the CSI manager (owner or manager of service level management
  or of continual improvement; administrators) configure surveys and see every result.
- Agents see the invitations and results of the tickets they resolved or their teams worked,
  and work the follow-ups they own or their teams'.
- Requesters see and answer only their own surveys.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_agent


def can_configure_surveys(user: User) -> bool:
    return has_process_role(user, Process.SERVICE_LEVEL, LEADERSHIP) or has_process_role(
        user, Process.IMPROVEMENT, LEADERSHIP
    )


def can_see_all_results(user: User) -> bool:
    return can_configure_surveys(user)


def can_view_surveys(user: User) -> bool:
    """The surveys area: anyone signed in (requesters see their own surveys there)."""
    return bool(user.is_authenticated and user.is_active)


def can_see_results(user: User) -> bool:
    return is_agent(user)
