"""Reads narrowed to the reader: what a person may not see is a 404."""

from django.db.models import Q, QuerySet

from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.surveys.models import FollowUp, Invitation, SurveyDefinition
from kaizen.surveys.permissions import can_see_all_results


def _agent_scope(user: User, prefix: str = "") -> Q:
    teams = user.teams.values("pk")  # a subquery: one query for the whole read
    return (
        Q(**{f"{prefix}assignee": user})
        | Q(**{f"{prefix}team__in": teams})
        | Q(**{f"{prefix}team__manager": user})
    )


def invitations_for(user: User) -> QuerySet[Invitation]:
    """Every invitation for the survey leads; an agent's tickets' and teams'; a requester's
    own."""
    invitations = Invitation.objects.select_related(
        "definition", "survey_version", "recipient", "service", "team"
    )
    if not user.is_authenticated or not user.is_active:
        return invitations.none()
    if can_see_all_results(user):
        return invitations
    if is_agent(user):
        return invitations.filter(_agent_scope(user) | Q(recipient=user))
    return invitations.filter(recipient=user)


def own_invitations(user: User) -> QuerySet[Invitation]:
    """The surveys a person was asked to answer (the portal's My surveys)."""
    return Invitation.objects.select_related("definition").filter(recipient=user)


def follow_ups_for(user: User) -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.select_related(
        "invitation", "invitation__recipient", "invitation__service", "owner", "team"
    )
    if can_see_all_results(user):
        return follow_ups
    if is_agent(user):
        teams = user.teams.values("pk")
        return follow_ups.filter(Q(owner=user) | Q(team__in=teams) | Q(team__manager=user))
    return follow_ups.none()


def definitions_for(user: User) -> QuerySet[SurveyDefinition]:
    if is_agent(user):
        return SurveyDefinition.objects.all()
    return SurveyDefinition.objects.none()
