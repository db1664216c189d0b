"""An improvement initiative started from a problem: its words, its services and the measured
effect of its fix as the evidence the initiative starts from (`/improvement/new/?problem=PRB…`).
The improvement register sits above the problems app and reads it directly."""

from typing import Any

from django.utils.text import Truncator

from kaizen.improvement.models import Origin
from kaizen.people.models import Process, User
from kaizen.problems import hooks
from kaizen.problems.selectors import problems_for


def initiative_initial(user: User, number: str) -> dict[str, Any] | None:
    """The new initiative form's values for the problem `number`, or None when the user may
    not see it (or there is none)."""
    problem = problems_for(user).prefetch_related("services").filter(number=number.strip()).first()
    if problem is None:
        return None
    parts = [f"{problem.number}: {problem.statement}."]
    if problem.root_cause:
        parts.append(f"Root cause: {problem.root_cause}")
    if problem.fix:
        parts.append(f"Fix: {problem.fix}")
    effect = hooks.fix_effect(problem) if problem.resolved_at else None
    if effect is not None:
        parts.append(f"Evidence: {effect.summary}")
    incidents = problem.incident_links.count()
    return {
        "title": Truncator(f"Prevent {problem.statement[0].lower()}{problem.statement[1:]}").chars(
            200
        ),
        "problem_statement": "\n\n".join(parts),
        "justification": f"{incidents} incident{'s' if incidents != 1 else ''} linked to "
        f"{problem.number} so far.",
        "process": Process.PROBLEM,
        "services": [service.pk for service in problem.services.all()],
        "origin": Origin.PROBLEM,
        "origin_reference": problem.number,
    }
