"""Problem management in the side navigation: agents."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.problems.permissions import can_work_problems

register_nav_entry(
    NavEntry(
        "Problems",
        "problems:list",
        "bi-bug",
        16,
        can_work_problems,
    )
)
