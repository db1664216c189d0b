"""Who may do what with request types and service requests, on top of
kaizen.people.permissions and the catalogue's rules.

Catalogue managers, request process leaders and the owner of the offering's service edit
request types. Anyone active may request what its audience allows; agents may request on
someone's behalf. Requesters see only the requests they made or that are for them; approvers
see the requests they are asked to decide; agents see and work every request.
"""

from kaizen.catalog.permissions import can_edit_service, can_manage_catalog
from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent
from kaizen.requests.models import Audience, RequestType, ServiceRequest


def leads_requests(user: User) -> bool:
    return is_admin(user) or (
        is_agent(user) and has_process_role(user, Process.REQUEST, LEADERSHIP)
    )


def can_manage_request_types(user: User) -> bool:
    """Create request types on any offering."""
    return can_manage_catalog(user) or leads_requests(user)


def can_edit_request_type(user: User, request_type: RequestType) -> bool:
    """Catalogue managers and request process leaders; the service owner for their service."""
    return can_manage_request_types(user) or can_edit_service(user, request_type.offering.service)


def may_request(user: User, request_type: RequestType) -> bool:
    """Whether the type's audience includes `user` (who it is for, not who fills the form)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if request_type.audience == Audience.EVERYONE:
        return True
    if request_type.allowed_people.filter(pk=user.pk).exists():
        return True
    return request_type.allowed_teams.filter(members=user).exists()


def can_request_for_others(user: User) -> bool:
    return is_agent(user)


def can_work_requests(user: User) -> bool:
    """See every request, comment with work notes, assign, hold, fulfil, work tasks."""
    return is_agent(user)


def is_party_to(user: User, request: ServiceRequest) -> bool:
    return user.pk in (request.requested_for_id, request.requested_by_id)


def can_view_request(user: User, request: ServiceRequest) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if can_work_requests(user) or is_party_to(user, request):
        return True
    return request.approvals.filter(votes__approver=user).exists()


def can_cancel_request(user: User, request: ServiceRequest) -> bool:
    """The requester (or who submitted it for them) and agents, while it is not fulfilled."""
    return is_party_to(user, request) or can_work_requests(user)
