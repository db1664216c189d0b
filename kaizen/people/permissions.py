"""Who may do what. The web UI and the API both ask these functions, never their own rules."""

from collections.abc import Iterable

from kaizen.people.models import Process, Role, User


def is_agent(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_agent)


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def roles_of(user: User) -> set[tuple[str, str]]:
    """The (process, role) pairs the user holds."""
    # Cached on the user object: navigation, the header and several checks ask in one request.
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
    return bool(wanted & roles_of(user))


LEADERSHIP = (Role.OWNER, Role.MANAGER)


def leads_any_process(user: User) -> bool:
    """Owner or manager of at least one process (administrators lead every process)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    leading = {role.value for role in LEADERSHIP}
    return any(role in leading for _, role in roles_of(user))


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


def can_view_timeline(user: User) -> bool:
    """A record's history is internal: agents see it, requesters do not."""
    return is_agent(user)
