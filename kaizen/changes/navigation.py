"""Change enablement in the side navigation: agents. (A requester reaches the changes they
raised from their mail; asking every requester's roles on every page to find the rare CAB
member who is not an agent would cost each page a query.)"""

from kaizen.changes.permissions import can_work_changes
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        "Changes",
        "changes:list",
        "bi-arrow-left-right",
        15,
        can_work_changes,
        children=(
            ("Calendar", "changes:calendar"),
            ("Approvals", "changes:approval_inbox"),
            ("CAB meetings", "changes:meeting_list"),
            ("Standard changes", "changes:template_list"),
        ),
    )
)
