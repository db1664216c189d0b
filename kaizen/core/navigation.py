"""The side navigation, put together from what each app registers.

Core sits below every app, so it cannot ask them what they offer; instead each app lists its
entries in its own `navigation.py` (found at start-up the way Django finds `admin.py`), with
the permission rule that shows them. A new process adds its menu entry there, touching nothing
else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


def _everyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str  # a Bootstrap Icons class, e.g. "bi-stopwatch"
    order: int  # entries are shown by this, lowest first
    visible: Callable[[Any], bool] = _everyone  # the signed-in user may open it
    children: tuple[tuple[str, str], ...] = ()  # (label, url name), shown under the entry


_entries: dict[str, NavEntry] = {}


def register_nav_entry(entry: NavEntry) -> None:
    """Add (or replace, by URL name) an entry of the side navigation."""
    _entries[entry.url_name] = entry


def nav_entries() -> list[NavEntry]:
    return sorted(_entries.values(), key=lambda entry: entry.order)


def navigation_for(user: Any, path: str) -> list[dict[str, Any]]:
    """The entries `user` may open, with the one `path` is under marked active (the longest
    matching URL wins, so /catalog/cis/ lights "Configuration items" only)."""
    items = [
        (entry, reverse(entry.url_name), [(label, reverse(name)) for label, name in entry.children])
        for entry in nav_entries()
        if entry.visible(user)
    ]
    urls = [url for _, url, _ in items] + [url for *_, sub in items for _, url in sub]
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    active = max(matches, key=len, default=None)
    return [
        {
            "label": entry.label,
            "url": url,
            "icon": entry.icon,
            "active": url == active or any(sub_url == active for _, sub_url in children),
            "children": [
                {"label": label, "url": sub_url, "active": sub_url == active}
                for label, sub_url in children
            ],
        }
        for entry, url, children in items
    ]
