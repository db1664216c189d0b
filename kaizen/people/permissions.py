"""Who may do what. The web UI and the API both ask these functions, never their own rules."""

from collections.abc import Iterable

from kaizen.people.models import Process, Role, User


def is_agent(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_agent)


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _roles_of(user: User) -> set[tuple[str, str]]:
    # Cached on the user object: navigation and several checks ask in one request.
    cached = getattr(user, "_kaizen_roles", None)
    if cached is None:
        cached = set(user.process_roles.values_list("process", "role"))
        user._kaizen_roles = cached  # type: ignore[attr-defined]
    return cached


def has_process_role(user: User, process: Process, roles: Iterable[Role]) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    wanted = {(process.value, role.value) for role in roles}
    return bool(wanted & _roles_of(user))


LEADERSHIP = (Role.OWNER, Role.MANAGER)


def can_manage_catalog(user: User) -> bool:
    """Create services, edit any service, manage offerings and dependencies."""
    return is_agent(user) and has_process_role(user, Process.CATALOG, LEADERSHIP)


def can_edit_service(user: User, service: object) -> bool:
    """The catalogue's owner/manager, or the service owner for their own service."""
    if can_manage_catalog(user):
        return True
    return is_agent(user) and getattr(service, "owner_id", None) == user.pk


def can_view_cmdb(user: User) -> bool:
    return is_agent(user)


def can_manage_cmdb(user: User) -> bool:
    """Configuration items: catalogue leadership and change leadership (changes alter CIs)."""
    return is_agent(user) and (
        has_process_role(user, Process.CATALOG, LEADERSHIP)
        or has_process_role(user, Process.CHANGE, LEADERSHIP)
    )


def can_view_people(user: User) -> bool:
    """Agents see the directory (to assign work); requesters see only themselves."""
    return is_agent(user)


def can_manage_people(user: User) -> bool:
    """Users, teams and process roles are administered by administrators."""
    return is_admin(user)


def can_manage_team_members(user: User, team: object) -> bool:
    """Administrators, and the team's own manager for their team."""
    if can_manage_people(user):
        return True
    return is_agent(user) and getattr(team, "manager_id", None) == user.pk


def can_view_audit(user: User) -> bool:
    """The whole audit trail: administrators, and owners/managers of any process."""
    if is_admin(user):
        return True
    return is_agent(user) and any(role in {"owner", "manager"} for _, role in _roles_of(user))


def can_view_timeline(user: User) -> bool:
    """A record's history is internal: agents see it, requesters do not."""
    return is_agent(user)


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


def can_import(user: User) -> bool:
    """Import tickets and their history from another tool on the web, and read the runs and
    their row reports: an import creates incidents, people and teams in bulk, so only
    administrators and the incident process's owners/managers, who answer for the incident
    records, may. (`kaizen import` on the command line is for whoever runs the server.)"""
    if is_admin(user):
        return True
    return is_agent(user) and has_process_role(user, Process.INCIDENT, LEADERSHIP)


# -- continual improvement -------------------------------------------------------------------


def can_view_register(user: User) -> bool:
    """The improvement register, goals, opportunities and reports are internal: agents.
    Requesters never see them (a shared report link is the way to show one outside)."""
    return is_agent(user)


def can_manage_register(user: User) -> bool:
    """The CSI manager's rights: goals, any initiative, opportunities (dismiss, start):
    continual improvement owners/managers and administrators."""
    return is_agent(user) and has_process_role(user, Process.IMPROVEMENT, LEADERSHIP)


def can_create_initiative(user: User) -> bool:
    """Raise an initiative: CSI leadership, and any process owner or manager (they own their
    process's KPIs and propose its improvements)."""
    if can_manage_register(user):
        return True
    return is_agent(user) and any(
        has_process_role(user, process, LEADERSHIP) for process in Process
    )


def can_work_initiative(user: User, initiative: object) -> bool:
    """Edit an initiative, record its step outputs and move its steps: its owner and the CSI
    manager (improvement owners/managers, administrators)."""
    if can_manage_register(user):
        return True
    return is_agent(user) and getattr(initiative, "owner_id", None) == user.pk


def can_update_action(user: User, action: object) -> bool:
    """An action's own owner reports its progress; the initiative's owner and the CSI manager
    manage every action."""
    if is_agent(user) and getattr(action, "owner_id", None) == user.pk:
        return True
    return can_work_initiative(user, getattr(action, "initiative", None))
