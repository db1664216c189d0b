"""Change enablement in the side navigation (agents and CAB members)."""

from kaizen.changes.permissions import can_view_change_calendar
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        "Changes",
        "changes:list",
        "bi-arrow-left-right",
        15,
        can_view_change_calendar,
        children=(("Standard changes", "changes:template_list"),),
    )
)
