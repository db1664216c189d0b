"""Reads of the known-error database narrowed to the user: agents read every known error;
anyone signed in reads the articles published to the portal, and nothing else of problems."""

from django.db.models import Count, Q, QuerySet

from kaizen.people.models import User
from kaizen.problems.models import KnownError, KnownErrorStatus, LinkedIncident
from kaizen.problems.permissions import can_read_portal_articles, can_work_problems

LIST_RELATED = ("problem",)


def known_errors_for(user: User) -> QuerySet[KnownError]:
    """Every known error for agents (drafts and retired ones too), none for anyone else."""
    if not can_work_problems(user):
        return KnownError.objects.none()
    return KnownError.objects.select_related(*LIST_RELATED).annotate(
        applied_count=Count("incident_links", distinct=True),
    )


def portal_articles_for(user: User) -> QuerySet[KnownError]:
    """The self-help articles: known errors published to the portal."""
    if not can_read_portal_articles(user):
        return KnownError.objects.none()
    return KnownError.objects.filter(status=KnownErrorStatus.PUBLISHED, published_to_portal=True)


def known_errors_of_problem(user: User, problem_id: int) -> QuerySet[KnownError]:
    return known_errors_for(user).filter(problem_id=problem_id).order_by("-created_at", "-id")


def links_applying(known_error: KnownError) -> QuerySet[LinkedIncident]:
    """The incidents the known error was applied to (newest application first)."""
    return LinkedIncident.objects.filter(known_error=known_error).order_by("-linked_at", "-id")


def problems_of_incident(number: str) -> QuerySet[LinkedIncident]:
    """The problems an incident is linked to, with the known error applied, if any."""
    return (
        LinkedIncident.objects.filter(incident_number=number)
        .select_related("problem", "known_error")
        .order_by("linked_at", "id")
    )


def search_filter(text: str, *fields: str) -> Q:
    match = Q()
    for word in text.split()[:8]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        match &= any_field
    return match
