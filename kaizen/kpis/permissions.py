"""Who may read KPIs, define them and record external data points.

Built on the people app's primitives (kaizen.people.permissions); the web views and the
API both ask these functions, never their own rules.
"""

from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_agent


def can_view_kpis(user: User) -> bool:
    """The scorecard, KPI pages and measurements are internal: agents (managers are agents)."""
    return is_agent(user)


def can_manage_kpis(user: User) -> bool:
    """Define and change custom KPIs, collect measurements now: continual improvement
    owners/managers (the process that owns measurement) and administrators."""
    return is_agent(user) and has_process_role(user, Process.IMPROVEMENT, LEADERSHIP)


def can_record_kpi_data(user: User) -> bool:
    """Push or upload external data points (availability from monitoring, survey scores...):
    continual improvement and service level owners/managers, and administrators. A monitoring
    integration uses an API token of an account holding one of these roles."""
    return can_manage_kpis(user) or (
        is_agent(user) and has_process_role(user, Process.SERVICE_LEVEL, LEADERSHIP)
    )
