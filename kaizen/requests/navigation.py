"""Service requests in the side navigation: "Request something" and "My requests" (with the
approvals waiting for the person: any requester may be someone's manager) for everyone;
"Requests" for the agents, with the fulfilment tasks and the request types under it."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.people.models import User
from kaizen.requests.permissions import can_work_requests


def asks_only(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


register_nav_entry(
    NavEntry("Request something", "requests:catalogue", "bi-bag-plus", 11, asks_only)
)
register_nav_entry(
    NavEntry(
        "My requests",
        "requests:mine",
        "bi-bag-check",
        11,
        asks_only,
        children=(("My approvals", "requests:approval_inbox"),),
    )
)
register_nav_entry(
    NavEntry(
        "Requests",
        "requests:list",
        "bi-inboxes",
        14,
        can_work_requests,
        children=(
            ("All requests", "requests:list"),
            ("Fulfilment tasks", "requests:task_queue"),
            ("Request types", "requests:type_list"),
        ),
    )
)
