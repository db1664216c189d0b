"""Service requests in the side navigation: "Request something" and "My requests" for everyone;
"Requests" for the agents, with the fulfilment tasks, the approvals and the request types under
it (the tasks' and approvals' pages are listed once their parts are there)."""

from importlib import import_module

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.people.models import User
from kaizen.requests.permissions import can_work_requests


def _names_in(module: str) -> set[str]:
    """The URL names a part of the app has (an empty stub names none)."""
    try:
        patterns = import_module(module).urlpatterns
    except ImportError:  # pragma: no cover
        return set()
    return {pattern.name for pattern in patterns if getattr(pattern, "name", None)}


def _children() -> tuple[tuple[str, str], ...]:
    named = _names_in("kaizen.requests.task_urls") | _names_in("kaizen.requests.approval_urls")
    wanted = (
        ("Fulfilment tasks", "task_queue"),
        ("Approvals", "approval_inbox"),
        ("Request types", "type_list"),
    )
    return tuple(
        (label, f"requests:{name}")
        for label, name in wanted
        if name == "type_list" or name in named
    )


def asks_only(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


register_nav_entry(
    NavEntry("Request something", "requests:catalogue", "bi-bag-plus", 11, asks_only)
)
register_nav_entry(NavEntry("My requests", "requests:mine", "bi-bag-check", 11, asks_only))
register_nav_entry(
    NavEntry("Requests", "requests:list", "bi-inboxes", 14, can_work_requests, children=_children())
)
