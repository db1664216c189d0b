from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from kaizen.people.permissions import (
    can_import,
    can_view_audit,
    can_view_cmdb,
    can_view_kpis,
    can_view_people,
    can_view_register,
    is_admin,
)
from kaizen.sla.permissions import can_view_service_levels


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The side navigation, built from what the signed-in user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("Incidents", reverse("incidents:home"), "bi-exclamation-diamond"),
        ("Catalogue", reverse("catalog:service_list"), "bi-grid-3x3-gap"),
    ]
    if can_view_cmdb(user):
        items.insert(0, ("Overview", reverse("home"), "bi-speedometer2"))
        items.append(("Configuration items", reverse("catalog:ci_list"), "bi-hdd-network"))
    if can_view_service_levels(user):
        items.append(("Service levels", reverse("sla:definition_list"), "bi-stopwatch"))
    if can_view_kpis(user):
        items.append(("KPIs", reverse("kpis:scorecard"), "bi-graph-up-arrow"))
    children: dict[str, list[tuple[str, str]]] = {}
    if can_view_register(user):
        register = reverse("improvement:register")
        items.append(("Improvement", register, "bi-arrow-repeat"))
        children[register] = [
            ("Register", register),
            ("Board", reverse("improvement:board")),
            ("Goals", reverse("improvement:goals")),
            ("Opportunities", reverse("improvement:opportunities")),
        ]
    if can_view_people(user):
        items.append(("Teams", reverse("people:team_list"), "bi-people"))
        items.append(("People", reverse("people:user_list"), "bi-person-lines-fill"))
    if can_import(user):
        items.append(("Imports", reverse("imports:list"), "bi-cloud-arrow-up"))
    if can_view_audit(user):
        items.append(("Audit trail", reverse("journal:audit"), "bi-journal-text"))
    items.append(("API", reverse("api-docs"), "bi-braces"))
    if is_admin(user):
        items.append(("Administration", reverse("admin:index"), "bi-gear"))
    # The longest matching prefix wins, so /catalog/cis/ lights "Configuration items" only.
    path = request.path
    urls = [url for _, url, _ in items] + [url for sub in children.values() for _, url in sub]
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    active = max(matches, key=len, default=None)
    nav = [
        {
            "label": label,
            "url": url,
            "icon": icon,
            "active": url == active or any(sub == active for _, sub in children.get(url, [])),
            "children": [
                {"label": sub_label, "url": sub, "active": sub == active}
                for sub_label, sub in children.get(url, [])
            ],
        }
        for label, url, icon in items
    ]
    return {"nav_items": nav}
