"""Who may do what with problems and known errors, on top of kaizen.people.permissions.

Agents see problems, raise them, link incidents, comment and apply known errors; the problem
process's owner and managers (problem managers) own the lifecycle: assess, analyse, record the
root cause, publish known errors, resolve and close, accept or dismiss candidates.
Administrators may everything a problem manager may. Requesters see only the known-error
articles published to the portal.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent
from kaizen.problems.models import Problem


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


def works_on(user: User, problem: Problem) -> bool:
    """The problem's owner, or a member of its assignment group."""
    if not is_agent(user):
        return False
    if problem.owner_id == user.pk:
        return True
    group_id = problem.assignment_group_id
    return group_id is not None and user.teams.filter(pk=group_id).exists()


def can_edit_problem(user: User, problem: Problem) -> bool:
    """Edit what the problem says and the analysis: problem managers, its owner and group."""
    return can_manage_problems(user) or works_on(user, problem)


def can_move_problem(user: User, problem: Problem) -> bool:
    """Move it through its lifecycle: problem managers and the problem's owner."""
    return can_manage_problems(user) or (is_agent(user) and problem.owner_id == user.pk)
