"""Who may do what with problems and known errors, on top of kaizen.people.permissions.

Agents see problems, raise them, link incidents, comment and apply known errors; the problem
process's owner and managers (problem managers) own the lifecycle: assess, analyse, record the
root cause, publish known errors, resolve and close, accept or dismiss candidates.
Administrators may everything a problem manager may. Requesters see only the known-error
articles published to the portal.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent


def can_work_problems(user: User) -> bool:
    """See every problem and known error, raise problems, link incidents, comment."""
    return is_agent(user)


def is_problem_manager(user: User) -> bool:
    return is_admin(user) or (
        is_agent(user) and has_process_role(user, Process.PROBLEM, LEADERSHIP)
    )


def can_manage_problems(user: User) -> bool:
    """Move problems through their lifecycle, edit the analysis, publish known errors,
    decide on candidates."""
    return is_problem_manager(user)


def can_read_portal_articles(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)
