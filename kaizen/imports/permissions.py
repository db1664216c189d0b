"""Who may import other tools' histories on the web.

Built on the people app's primitives (kaizen.people.permissions); the web views and the
API both ask these functions, never their own rules.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent


def can_import(user: User) -> bool:
    """Import tickets and their history from another tool on the web, and read the runs and
    their row reports: an import creates incidents, people and teams in bulk, so only
    administrators and the incident process's owners/managers, who answer for the incident
    records, may. (`kaizen import` on the command line is for whoever runs the server.)"""
    if is_admin(user):
        return True
    return is_agent(user) and has_process_role(user, Process.INCIDENT, LEADERSHIP)
