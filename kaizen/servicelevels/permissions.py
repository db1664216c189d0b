"""Who may do what with agreements, on top of kaizen.people.permissions.

Service level managers (the service level process's owner and managers) and administrators
make and change customers, suppliers, agreements and their terms. Agents read them: the
agreements behind a service are part of knowing it. An agreement's owner may change it too.
Customers' representatives read their reports through a shared link (report views)."""

from kaizen.availability.permissions import is_service_level_manager
from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.servicelevels.models import Agreement


def can_view_agreements(user: User) -> bool:
    return is_agent(user)


def can_manage_agreements(user: User) -> bool:
    """Make agreements, customers and suppliers."""
    return is_service_level_manager(user)


def can_change_agreement(user: User, agreement: Agreement) -> bool:
    return is_service_level_manager(user) or (is_agent(user) and agreement.owner_id == user.pk)
