"""Who may do what with outages and availability, on top of kaizen.people.permissions.

Agents see outages and availability figures and record outages, which are then proposed;
service level managers (the service level process's owner and managers) and administrators
confirm, dismiss and correct them, record confirmed outages, and set availability targets. A
service's owner may confirm and correct the outages of their own service. Monitoring tools
report through an API token of a person who may record outages."""

from kaizen.catalog.models import Service
from kaizen.people.models import Process, User
from kaizen.people.permissions import LEADERSHIP, has_process_role, is_admin, is_agent


def can_view_availability(user: User) -> bool:
    return is_agent(user)


def can_record_outages(user: User) -> bool:
    """Record an outage (proposed unless they may confirm it) or report one from monitoring."""
    return is_agent(user)


def is_service_level_manager(user: User) -> bool:
    return is_admin(user) or (
        is_agent(user) and has_process_role(user, Process.SERVICE_LEVEL, LEADERSHIP)
    )


def can_confirm_outages(user: User, service: Service | None = None) -> bool:
    """Confirm, dismiss and correct outages (of `service`, when given: its owner may too)."""
    if is_service_level_manager(user):
        return True
    return bool(service is not None and is_agent(user) and service.owner_id == user.pk)


def can_set_availability_targets(user: User) -> bool:
    return is_service_level_manager(user)
