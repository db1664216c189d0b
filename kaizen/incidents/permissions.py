"""Who may do what with incidents, on top of kaizen.people.permissions.

Requesters see and comment on the incidents they are the caller of, and open incidents from
the portal; agents see every incident and work them, and read the categories; the incident
process's owner and manager also set the priority matrix and manage the categories
(administrators too). Nobody reopens an incident outside the reopen window (a rule of the
lifecycle, not a permission).
"""

from kaizen.incidents.models import Incident
from kaizen.people.models import Process, User
from kaizen.people.permissions import (
    LEADERSHIP,
    can_view_timeline,
    has_process_role,
    is_admin,
    is_agent,
)


def can_work_incidents(user: User) -> bool:
    """See every incident, open them for others, edit, assign, move, bulk-change them."""
    return is_agent(user)


def can_report_incident(user: User) -> bool:
    """Anyone signed in reports an incident of their own (the portal)."""
    return bool(user.is_authenticated and user.is_active)


def is_caller(user: User, incident: Incident) -> bool:
    return bool(user.is_authenticated and user.is_active and incident.caller_id == user.pk)


def can_comment_on_incident(user: User, incident: Incident) -> bool:
    """Agents on any incident, the caller on their own."""
    return can_work_incidents(user) or is_caller(user, incident)


def can_attach_to_incident(user: User, incident: Incident) -> bool:
    return can_comment_on_incident(user, incident)


def can_see_work_notes(user: User) -> bool:
    return can_work_incidents(user)


def can_see_incident_timeline(user: User) -> bool:
    return can_view_timeline(user)


def can_manage_priority_matrix(user: User) -> bool:
    return is_agent(user) and has_process_role(user, Process.INCIDENT, LEADERSHIP)


def can_view_categories(user: User) -> bool:
    """The category tree with its counts: agents (requesters never choose a category)."""
    return is_agent(user) or is_admin(user)


def can_manage_categories(user: User) -> bool:
    """Create, rename, deactivate and activate categories: the incident process owner and
    manager, and administrators."""
    return is_admin(user) or (
        is_agent(user) and has_process_role(user, Process.INCIDENT, LEADERSHIP)
    )
