"""Every write to people, teams, roles and tokens, each with its journal event."""

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kaizen.journal.events import EventType
from kaizen.journal.services import (
    apply_changes,
    build_event,
    ensure_records,
    record_event,
    record_events,
    to_journal_value,
)
from kaizen.journal.tracking import TrackedRecord
from kaizen.people.models import (
    ApiToken,
    Process,
    ProcessRole,
    Role,
    Team,
    User,
    UserKind,
    hash_token,
)

USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "kind",
    "job_title",
    "department",
    "phone",
    "time_zone",
    "manager",
    "is_active",
    "is_staff",
    "is_superuser",
)
# What people may change about themselves: not their username, kind or privileges.
PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "time_zone", "job_title")
TEAM_FIELDS = ("name", "slug", "description", "email", "manager", "is_active")

# How each record is locked, saved and journaled (kaizen/journal/tracking.py): an update locks
# and re-reads the row, refuses a stale `expected_version`, and writes only what changed. A
# password, sign-ins, roles and tokens are not fields people edit side by side: they neither
# bump the version nor count as the change a conflict names.
USERS = TrackedRecord(
    model=User,
    tracked_fields=USER_FIELDS,
    related_fields=("manager",),
    versioned_events=(EventType.USER_CREATED, EventType.USER_UPDATED),
    bookkeeping_fields=("version",),
    label_field="username",
    label=str,
    noun="person",
)
# A team's members are a list beside its row, added and removed one by one (no lost update).
TEAMS = TrackedRecord(
    model=Team,
    tracked_fields=TEAM_FIELDS,
    related_fields=("manager",),
    versioned_events=(EventType.TEAM_CREATED, EventType.TEAM_UPDATED),
    bookkeeping_fields=("version",),
    label_field="name",
    noun="team",
)


def _full_clean(instance: Any, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude)


def _check_password(password: str, user: User) -> None:
    """The password validators' verdict, keyed by field so forms and the API can point at it."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def do_create_user(
    *,
    actor: User | None,
    password: str | None = None,
    password_hash: str | None = None,
    **fields: Any,
) -> User:
    """`password_hash` takes an already hashed password (Django's format), e.g. from another
    system's user export, or the demo loader's one shared password hashed once."""
    user = User()
    apply_changes(user, fields, USER_FIELDS)
    if password_hash:
        user.password = password_hash
    elif password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user, exclude=["password"])
    user.save()
    USERS.record_created(EventType.USER_CREATED, user, actor=actor)
    return user


@transaction.atomic
def do_create_administrator(*, actor: User | None, **fields: Any) -> User:
    """An administrator as Kaizen models one: a superuser (manages people and roles, leads
    every process: see permissions.py), staff (the Django admin site) and an agent (works
    tickets, joins teams, is offered as an assignee). Takes do_create_user's arguments."""
    return do_create_user(
        actor=actor, **fields, kind=UserKind.AGENT, is_staff=True, is_superuser=True
    )


def _update_user(
    user: User,
    fields: dict[str, Any],
    allowed: tuple[str, ...],
    actor: User | None,
    expected_version: int | None,
) -> User:
    """Lock and re-read the person, then apply `fields`; the caller's `user` shows the result.
    Raises VersionConflict when the person is no longer at `expected_version`."""
    locked = USERS.lock(user, expected_version)
    before = USERS.snapshot(locked)
    if fields.keys() & {"is_active", "is_superuser"}:
        _keep_an_administrator(locked, fields)
    if apply_changes(locked, fields, allowed):
        _full_clean(locked, exclude=["password"])
    USERS.finish(locked, user, before, EventType.USER_UPDATED, actor=actor)
    return user


def _keep_an_administrator(user: User, fields: Mapping[str, Any]) -> None:
    """Refuse to deactivate or demote the last active administrator: nobody could then manage
    people, roles or settings. The other administrators are counted under a lock, so two
    administrators demoting each other at once cannot both succeed."""
    if not (user.is_active and user.is_superuser):
        return
    staying = fields.get("is_active", True) and fields.get("is_superuser", True)
    if staying:
        return
    others = User.objects.select_for_update().filter(is_active=True, is_superuser=True)
    if not others.exclude(pk=user.pk).exists():
        field = "is_active" if not fields.get("is_active", True) else "is_superuser"
        raise ValidationError(
            {field: f"{user} is the last active administrator: make someone else one first."}
        )


@transaction.atomic
def do_update_user(
    user: User,
    *,
    actor: User | None,
    expected_version: int | None = None,
    password: str | None = None,
    **fields: Any,
) -> User:
    """An administrator's edit: any field, including kind and privileges, and a new password.
    The last active administrator stays one (`_keep_an_administrator`)."""
    _update_user(user, fields, USER_FIELDS, actor, expected_version)
    if password:
        do_change_password(user, password, actor=actor)
    return user


@transaction.atomic
def do_update_profile(
    user: User, *, actor: User | None, expected_version: int | None = None, **fields: Any
) -> User:
    """A person editing their own details; refuses anything outside PROFILE_FIELDS."""
    return _update_user(user, fields, PROFILE_FIELDS, actor, expected_version)


@transaction.atomic
def do_change_password(user: User, new_password: str, *, actor: User | None) -> User:
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Never journal the password itself, only that it changed.
    record_event(EventType.USER_PASSWORD_CHANGED, user, actor=actor)
    return user


def _check_team(team: Team) -> None:
    _full_clean(team)
    if team.manager is not None and not team.manager.is_agent:
        raise ValidationError(
            {"manager": f"{team.manager} is a requester; a team's manager is an agent"}
        )


def _check_member(member: User) -> None:
    # Teams are assignment groups: work is queued to them, so only active agents belong.
    if not (member.is_active and member.is_agent):
        raise ValidationError({"user": f"{member} is not an active agent; only agents join teams"})


@transaction.atomic
def do_create_team(*, actor: User | None, members: list[User] | None = None, **fields: Any) -> Team:
    team = Team()
    apply_changes(team, fields, TEAM_FIELDS)
    _check_team(team)
    for member in members or []:
        _check_member(member)
    team.save()
    team.members.set(members or [])
    members_value = to_journal_value(sorted(members or [], key=lambda m: m.pk))
    TEAMS.record_created(
        EventType.TEAM_CREATED,
        team,
        actor=actor,
        changes={"members": {"old": [], "new": members_value}},
    )
    return team


@transaction.atomic
def do_update_team(
    team: Team, *, actor: User | None, expected_version: int | None = None, **fields: Any
) -> Team:
    """Raises VersionConflict when the team is no longer at `expected_version`."""
    locked = TEAMS.lock(team, expected_version)
    before = TEAMS.snapshot(locked)
    if apply_changes(locked, fields, TEAM_FIELDS):
        _check_team(locked)
    TEAMS.finish(locked, team, before, EventType.TEAM_UPDATED, actor=actor)
    return team


@transaction.atomic
def do_add_team_member(team: Team, member: User, *, actor: User | None) -> bool:
    if team.members.filter(pk=member.pk).exists():
        return False
    _check_member(member)
    team.members.add(member)
    record_event(EventType.TEAM_MEMBER_ADDED, team, actor=actor, data={"member": member})
    return True


@transaction.atomic
def do_remove_team_member(team: Team, member: User, *, actor: User | None) -> bool:
    if not team.members.filter(pk=member.pk).exists():
        return False
    team.members.remove(member)
    record_event(EventType.TEAM_MEMBER_REMOVED, team, actor=actor, data={"member": member})
    return True


def check_process_role(process: str, role: str) -> tuple[Process, Role]:
    try:
        process_value = Process(process)
    except ValueError as exc:
        raise ValidationError({"process": f"unknown process {process!r}"}) from exc
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise ValidationError({"role": f"unknown role {role!r}"}) from exc
    if role_value == Role.CAB_MEMBER and process_value != Process.CHANGE:
        raise ValidationError({"role": "CAB member is a role of change enablement only"})
    return process_value, role_value


@transaction.atomic
def do_grant_process_role(
    user: User, process: str, role: str, *, actor: User | None
) -> ProcessRole:
    process_value, role_value = check_process_role(process, role)
    if role_value != Role.PRACTITIONER and not user.is_agent:
        raise ValidationError({"user": "only agents can hold owner, manager or CAB roles"})
    grant, created = ProcessRole.objects.get_or_create(
        user=user, process=process_value, role=role_value
    )
    if created:
        record_event(
            EventType.PROCESS_ROLE_GRANTED,
            user,
            actor=actor,
            data={"process": process_value.value, "role": role_value.value},
        )
    return grant


@transaction.atomic
def do_revoke_process_role(grant: ProcessRole, *, actor: User | None) -> None:
    user = grant.user
    data = {"process": grant.process, "role": grant.role}
    grant.delete()
    record_event(EventType.PROCESS_ROLE_REVOKED, user, actor=actor, data=data)


TOKEN_PREFIX = "kz_"


@transaction.atomic
def do_create_api_token(
    user: User, name: str, *, actor: User | None, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is never retrievable again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "give the token a name, e.g. 'monitoring'"})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "the expiry must be in the future"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[:10], key_hash=hash_token(raw), expires_at=expires_at
    )
    record_event(
        EventType.API_TOKEN_CREATED,
        user,
        actor=actor,
        data={"token": token.name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: User | None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        EventType.API_TOKEN_REVOKED,
        token.user,
        actor=actor,
        data={"token": token.name, "prefix": token.prefix},
    )


def imported_username(name: str) -> str:
    """The username of a person known only by the name another tool recorded."""
    return (slugify(name) or "person")[:150]


@transaction.atomic
def do_ensure_people(kinds: Mapping[str, str], *, source: str) -> dict[str, User]:
    """Users for the people named in imported data (name -> UserKind), found by username or
    created without a usable password (they sign in once an admin sets one)."""
    # One unusable password for the batch: generating a random one per person costs more than
    # the rest of creating them, and an unusable password never matches anything anyway.
    password = make_password(None)
    by_username: dict[str, Callable[[], User]] = {}
    for name, kind in kinds.items():
        by_username[imported_username(name)] = partial(_imported_user, name, kind, password)
    users = ensure_records(
        User,
        "username",
        by_username,
        event_type=EventType.USER_CREATED,
        journaled_fields=USERS.tracked_fields,
        actor_repr=source,
    )
    return {name: users[imported_username(name)] for name in kinds}


def _imported_user(name: str, kind: str, password: str) -> User:
    return User(
        username=imported_username(name), first_name=name[:150], kind=kind, password=password
    )


@transaction.atomic
def do_ensure_teams(names: Iterable[str], *, source: str) -> dict[str, Team]:
    """Teams for the assignment groups named in imported data, found by name or created."""
    builders = {name: partial(Team, name=name, slug=slugify(name)[:120]) for name in names}
    return ensure_records(
        Team,
        "name",
        builders,
        event_type=EventType.TEAM_CREATED,
        journaled_fields=TEAMS.tracked_fields,
        actor_repr=source,
    )


@transaction.atomic
def do_ensure_team_members_by_id(pairs: Iterable[tuple[int, int]], *, source: str) -> int:
    """Make each agent (user id) a member of the team (id) imported data shows them working
    for; returns how many memberships were added (each journaled like an added member)."""
    wanted = set(pairs)
    if not wanted:
        return 0
    membership = Team.members.through
    present = set(
        membership.objects.filter(team_id__in={team for team, _ in wanted}).values_list(
            "team_id", "user_id"
        )
    )
    added = sorted(wanted - present)
    if not added:
        return 0
    membership.objects.bulk_create(
        [membership(team_id=team, user_id=user) for team, user in added], batch_size=1000
    )
    teams = Team.objects.in_bulk({team for team, _ in added})
    users = User.objects.in_bulk({user for _, user in added})
    record_events(
        [
            build_event(
                EventType.TEAM_MEMBER_ADDED,
                teams[team],
                actor=None,
                actor_repr=source,
                data={"member": users[user]},
            )
            for team, user in added
        ]
    )
    return len(added)
