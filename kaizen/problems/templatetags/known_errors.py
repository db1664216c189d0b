"""Template filters of the known-error pages."""

import datetime as dt
from typing import Any

from django import template

from kaizen.problems.known_error_selectors import known_errors_of_problem
from kaizen.problems.permissions import can_manage_problems

register = template.Library()


@register.filter
def span(value: dt.timedelta | None) -> str:
    """A duration as people say it: "45 min", "3 h 20 min", "2 d 4 h"; "—" for none."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


STATUS_BADGES = {
    "draft": "text-bg-light border",
    "published": "text-bg-success",
    "retired": "text-bg-secondary",
}


@register.filter
def known_error_badge(status: str) -> str:
    return STATUS_BADGES.get(str(status), "text-bg-light border")


@register.simple_tag(takes_context=True)
def problem_known_errors(context: dict[str, Any], problem: Any) -> dict[str, Any]:
    """What problems/_known_errors.html shows of `problem` (one query): its known errors as the
    reader may see them, and whether they may record one."""
    user = context["request"].user
    return {
        "known_errors": list(known_errors_of_problem(user, problem.pk)),
        "can_manage": can_manage_problems(user),
    }
