"""Risk-accepted problems come back for review on their `risk_review_on` day, with what their
incidents cost since the risk was accepted.

Daily (kaizen/analytics/tasks.py): every problem closed as risk accepted whose review day has
come (in the reporting time zone) and has not been announced for that day gets a journal event
(PROBLEM_RISK_REVIEW_DUE, with the review day and the cost) and a notification to its owner, or
to the problem managers when it has none. The event is what makes a run safe to repeat: a
problem is announced once per review day (moving the day announces it again on the new one),
and a day the task did not run is caught up by the next run.

The cost is read from the incident facts: the incidents of the problem's kind
(kaizen.analytics.problem_kind) or linked to it, opened since the acceptance (`closed_at`):
how many, and the business hours they took to resolve (`resolution_business_hours`; those
still open, or with no calendar, add none).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from kaizen.analytics.problem_effect import kind_of, local_time
from kaizen.analytics.store import connect
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event
from kaizen.notifications.services import queue_notification
from kaizen.people.models import Process, Role, User
from kaizen.problems.models import ClosureCode, Problem, State

CATEGORY = "problem_risk_review"
COST_SQL = """
SELECT count(*), coalesce(sum(resolution_business_hours), 0)
FROM incident_facts
WHERE opened_at >= ? AND ({kind} OR problem = ?)
"""


@dataclass(frozen=True)
class Cost:
    incidents: int
    business_hours: float


def cost_since_acceptance(problem: Problem) -> Cost:
    kind = kind_of(problem)
    condition, parameters = kind.sql() if kind.defined else ("false", [])
    with connect(read_only=True) as reader:
        count, hours = reader.execute(
            COST_SQL.format(kind=condition),
            [local_time(problem.closed_at or problem.opened_at), *parameters, problem.number],
        ).fetchone()
    return Cost(incidents=int(count), business_hours=round(float(hours), 1))


def _announced(problems: list[Problem]) -> set[tuple[int, str]]:
    """(problem id, review day) of the reviews already announced."""
    events = JournalEvent.objects.filter(
        event_type=EventType.PROBLEM_RISK_REVIEW_DUE,
        subject_type=ContentType.objects.get_for_model(Problem),
        subject_id__in=[str(problem.pk) for problem in problems],
    )
    return {
        (int(subject_id), str((data or {}).get("review_on")))
        for subject_id, data in events.values_list("subject_id", "data")
    }


def _not_announced(problems: list[Problem]) -> list[Problem]:
    done = _announced(problems)
    return [p for p in problems if (p.pk, p.risk_review_on.isoformat()) not in done]


def due_for_review(today: dt.date) -> list[Problem]:
    """Risk-accepted problems whose review day has come and was not announced yet."""
    due = Problem.objects.filter(
        state=State.CLOSED,
        closure_code=ClosureCode.RISK_ACCEPTED,
        risk_review_on__lte=today,
    ).select_related("owner")
    return _not_announced(list(due.order_by("risk_review_on", "pk")))


def _url(problem: Problem) -> str:
    try:
        return problem.get_absolute_url()
    except NoReverseMatch:  # the problem pages are not installed
        return ""


def _reviewers(problem: Problem) -> list[User]:
    if problem.owner_id is not None:
        return [problem.owner]
    return list(
        User.objects.filter(
            process_roles__process=Process.PROBLEM, process_roles__role=Role.MANAGER
        ).order_by("pk")
    )


def announce_risk_reviews(*, today: dt.date | None = None) -> dict[str, int]:
    """Announce every review that has come; returns how many were announced."""
    today = today or timezone.localdate()
    announced = 0
    for problem in due_for_review(today):
        cost = cost_since_acceptance(problem)
        with transaction.atomic():
            # Claimed inside the transaction: a second worker finds the event and skips it.
            locked = Problem.objects.select_for_update().get(pk=problem.pk)
            if locked.risk_review_on != problem.risk_review_on or not _not_announced([locked]):
                continue
            record_event(
                EventType.PROBLEM_RISK_REVIEW_DUE,
                locked,
                actor=None,
                data={
                    "review_on": locked.risk_review_on.isoformat(),
                    "incidents": cost.incidents,
                    "business_hours": cost.business_hours,
                },
            )
            queue_notification(
                "problem_risk_review",
                _reviewers(problem),
                {"problem": problem, "cost": cost, "url": _url(problem)},
                category=CATEGORY,
            )
        announced += 1
    return {"announced": announced}
