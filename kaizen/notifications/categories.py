"""Every kind of notification, in one registry: what people can switch off on their preferences.

`queue_notification(..., category=<key>)` refuses a key that is not listed here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    agents_only: bool = False  # requesters never receive it, so their preferences hide it


CATEGORIES: dict[str, Category] = {
    category.key: category
    for category in (
        Category("incident_updates", "Updates on incidents I reported"),
        Category("request_updates", "Updates on service requests I made or that are for me"),
        Category("incident_assigned", "Incidents assigned to me", agents_only=True),
        Category(
            "sla_warning",
            "SLA warnings on my incidents and my teams' incidents",
            agents_only=True,
        ),
        Category(
            "sla_breach",
            "SLA breaches on my incidents and my teams' incidents",
            agents_only=True,
        ),
        Category(
            "change_approvals",
            "Changes waiting for my authorisation (CAB)",
            agents_only=True,
        ),
        Category(
            "request_approvals",
            "Service requests waiting for my approval, and the approval outcome of mine",
        ),
        Category(
            "problem_risk_review",
            "Accepted problem risks due for review, with what they cost since",
            agents_only=True,
        ),
        Category(
            "request_task_queued",
            "Fulfilment tasks queued to my teams",
            agents_only=True,
        ),
    )
}


def get_category(key: str) -> Category:
    try:
        return CATEGORIES[key]
    except KeyError:
        raise ValueError(f"unknown notification category {key!r}") from None


def categories_for(user) -> list[Category]:
    """The categories this person can receive, in registry order."""
    return [c for c in CATEGORIES.values() if user.is_agent or not c.agents_only]
