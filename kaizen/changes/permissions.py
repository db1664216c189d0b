"""Who may do what with changes, on top of kaizen.people.permissions.

Requesters see nothing of changes unless they raised one (then they follow it and comment);
agents raise, plan and implement changes; the change process's owner and manager (the change
managers) decide on standard change templates and categories; CAB members authorise (the
approval rules are in services/approvals.py). Administrators may everything a change manager
may.
"""

from kaizen.changes.models import Change
from kaizen.people.models import Process, Role, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_work_changes(user: User) -> bool:
    """See every change, raise, edit, move, comment on and implement changes."""
    return is_agent(user)


def can_raise_change(user: User) -> bool:
    return is_agent(user)


def is_change_manager(user: User) -> bool:
    return is_agent(user) and has_process_role(user, Process.CHANGE, LEADERSHIP)


def is_cab_member(user: User) -> bool:
    return _active(user) and has_process_role(user, Process.CHANGE, (Role.CAB_MEMBER,))


def can_manage_change_catalogue(user: User) -> bool:
    """Approve, reject and retire standard change templates; manage change categories."""
    return is_admin(user) or is_change_manager(user)


def is_requester_of(user: User, change: Change) -> bool:
    return _active(user) and change.requester_id == user.pk


def can_comment_on_change(user: User, change: Change) -> bool:
    return can_work_changes(user) or is_requester_of(user, change)


def can_see_work_notes(user: User) -> bool:
    return can_work_changes(user)


def can_view_change_calendar(user: User) -> bool:
    return can_work_changes(user) or is_cab_member(user)


# -- authorisation by the CAB (cab_views.py, api/cab.py) ----------------------------------------


def can_view_approvals(user: User) -> bool:
    """The approval inbox, the policies, rounds and CAB meetings: agents and CAB members."""
    return can_work_changes(user) or is_cab_member(user)


def can_manage_approvals(user: User) -> bool:
    """Edit approval policies, plan CAB meetings, keep their agenda, attendees, minutes and
    decisions: the change managers and administrators."""
    return is_admin(user) or is_change_manager(user)


def can_delegate_approvals(user: User) -> bool:
    """Anyone who may be asked to approve (a CAB member, an agent in a team or owning a
    service, a change manager) may let someone vote for them while away."""
    return can_view_approvals(user)


# Risk (kaizen/changes/services/risk.py, evidence.py): requesters see nothing of it.


def can_see_change_risk(user: User) -> bool:
    """The stated risk's reasons, the answers and the evidence from past changes."""
    return can_work_changes(user) or is_cab_member(user)


def can_answer_risk_questionnaire(user: User) -> bool:
    return can_work_changes(user)


def can_edit_risk_questionnaire(user: User) -> bool:
    """Publish a new version of the risk questionnaire and its rules."""
    return can_manage_change_catalogue(user)


# The change calendar (calendar part).


def can_manage_change_windows(user: User) -> bool:
    """Create, edit and delete blackout and maintenance windows."""
    return is_admin(user) or is_change_manager(user)


def can_acknowledge_conflicts(user: User) -> bool:
    """Acknowledge a change's schedule conflicts with a reason (whoever plans changes)."""
    return can_work_changes(user)
