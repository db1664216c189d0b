"""Problem management in the side navigation: agents; the self-help articles for requesters."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.people.models import User
from kaizen.problems.permissions import can_work_problems

register_nav_entry(
    NavEntry(
        "Problems",
        "problems:list",
        "bi-bug",
        16,
        can_work_problems,
        children=(
            ("Candidates", "problems:candidate_list"),
            ("Known errors", "problems:known_error_list"),
        ),
    )
)


def reads_self_help_only(user: User) -> bool:
    """Requesters: the known errors published to the portal (agents have the whole database)."""
    return bool(user.is_authenticated and user.is_active) and not can_work_problems(user)


register_nav_entry(
    NavEntry("Self-help", "problems:article_list", "bi-life-preserver", 12, reads_self_help_only)
)
