"""Who may do what with agreements, on top of kaizen.people.permissions.

Service level managers (the service level process's owner and managers) and administrators
make and change customers, suppliers, agreements and their terms. Agents read them: the
agreements behind a service are part of knowing it. An agreement's owner may change it too.
The service level report is for service level managers, the agreement's owner and the owners
of the services it covers; customers' representatives read it through a read-only link
(report_links.py)."""

from kaizen.availability.permissions import is_service_level_manager
from kaizen.catalog.models import Service
from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.servicelevels.models import Agreement, ServiceReview


def can_view_agreements(user: User) -> bool:
    return is_agent(user)


def can_manage_agreements(user: User) -> bool:
    """Make agreements, customers and suppliers."""
    return is_service_level_manager(user)


def can_change_agreement(user: User, agreement: Agreement) -> bool:
    return is_service_level_manager(user) or (is_agent(user) and agreement.owner_id == user.pk)


def can_view_report(user: User, agreement: Agreement) -> bool:
    if is_service_level_manager(user):
        return True
    if not is_agent(user):
        return False
    if agreement.owner_id == user.pk:
        return True
    return Service.objects.filter(agreement_terms__agreement=agreement, owner=user).exists()


def can_share_report(user: User) -> bool:
    return is_service_level_manager(user)


def can_work_review(user: User, review: ServiceReview) -> bool:
    """Service level managers and the agreement's owner schedule, hold and cancel a review,
    and agree its actions (agents read them: can_view_agreements)."""
    return can_change_agreement(user, review.agreement)


def can_schedule_reviews(user: User, agreement: Agreement | None = None) -> bool:
    return can_manage_agreements(user) or (
        agreement is not None and can_change_agreement(user, agreement)
    )
