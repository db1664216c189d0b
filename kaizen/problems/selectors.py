"""Permission-aware reads: agents see problems; anyone else none (requesters read only the
known-error articles published to the portal)."""

from django.db.models import Count, QuerySet

from kaizen.catalog.ticket_sources import TicketRow, tickets_numbered
from kaizen.people.models import User
from kaizen.problems.models import LinkedIncident, Problem, ProblemAttachment, ProblemComment
from kaizen.problems.permissions import can_work_problems

DETAIL_RELATED = ("owner", "assignment_group", "raised_by", "duplicate_of")
LIST_RELATED = ("owner", "assignment_group")


def problems_for(user: User) -> QuerySet[Problem]:
    if can_work_problems(user):
        return Problem.objects.all()
    return Problem.objects.none()


def problem_list_for(user: User) -> QuerySet[Problem]:
    """With what the list shows: owner, group and the number of linked incidents."""
    return (
        problems_for(user)
        .select_related(*LIST_RELATED)
        .annotate(incident_count=Count("incident_links"))
    )


def problem_detail_for(user: User) -> QuerySet[Problem]:
    return (
        problems_for(user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related("services", "configuration_items")
    )


def comments_for(problem: Problem) -> QuerySet[ProblemComment]:
    return problem.comments.select_related("author")


def attachments_for(problem: Problem) -> QuerySet[ProblemAttachment]:
    return problem.attachments.select_related("uploaded_by")


def attachment_for(user: User, pk: int) -> ProblemAttachment | None:
    return (
        ProblemAttachment.objects.filter(pk=pk, problem__in=problems_for(user))
        .select_related("problem")
        .first()
    )


def linked_incidents(problem: Problem) -> list[tuple[LinkedIncident, TicketRow | None]]:
    """The problem's links with the incidents as they are now (title, state, page)."""
    links = list(problem.incident_links.select_related("linked_by", "known_error"))
    rows = tickets_numbered("incident", [link.incident_number for link in links])
    return [(link, rows.get(link.incident_number)) for link in links]
