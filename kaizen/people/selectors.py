"""Permission-aware reads: a user only ever gets the people, teams and roles they may see."""

from django.db.models import Count, Prefetch, QuerySet

from kaizen.people.models import ApiToken, ProcessRole, Team, User, UserKind
from kaizen.people.permissions import can_view_people


def active_agents() -> QuerySet[User]:
    """Who can manage or join a team (the choices offered in forms and the API). Only the
    fields a choice shows are loaded: a queue page lists every agent in two selects."""
    return User.objects.filter(kind=UserKind.AGENT, is_active=True).only(
        "id", "username", "first_name", "last_name", "kind", "is_active", "is_superuser"
    )


def users_for(user: User) -> QuerySet[User]:
    """Agents see the directory; everyone else sees only themselves."""
    if can_view_people(user):
        return User.objects.all()
    if user.is_authenticated:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def user_list_for(user: User) -> QuerySet[User]:
    """Users with their teams and roles loaded in two queries, whatever the page size."""
    return users_for(user).prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name")),
        "process_roles",
    )


def teams_for(user: User) -> QuerySet[Team]:
    """Teams are part of the directory: agents see all of them, requesters none."""
    if not can_view_people(user):
        return Team.objects.none()
    return Team.objects.select_related("manager")


def team_list_for(user: User) -> QuerySet[Team]:
    return teams_for(user).annotate(member_count=Count("members", distinct=True))


def process_roles_for(user: User) -> QuerySet[ProcessRole]:
    """Agents see every grant; anyone else only their own."""
    if can_view_people(user):
        return ProcessRole.objects.select_related("user")
    return (
        ProcessRole.objects.filter(user_id=user.pk)
        if user.is_authenticated
        else ProcessRole.objects.none()
    )


def tokens_for(user: User) -> QuerySet[ApiToken]:
    """A person's own API tokens: nobody, administrators included, sees anyone else's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)
