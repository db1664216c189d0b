"""The side navigation is what the apps register, shown to whoever their rule lets in."""

import pytest

from kaizen.core import navigation
from kaizen.core.navigation import NavEntry, nav_entries, navigation_for, register_nav_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it, restored after the test."""
    monkeypatch.setattr(navigation, "_entries", dict(navigation._entries))


def test_it_holds_every_apps_entries_in_their_order():
    labels = [entry.label for entry in nav_entries()]
    assert labels == [
        "Home",
        "Incidents",
        "Request something",
        "My requests",
        "Self-help",
        "Requests",
        "Changes",
        "Problems",
        "Catalogue",
        "Configuration items",
        "Service levels",
        "Availability",
        "Agreements",
        "Surveys",
        "KPIs",
        "Improvement",
        "Teams",
        "People",
        "Imports",
        "Inbound mail",
        "Audit trail",
        "API",
        "Administration",
    ]


def test_it_shows_a_registered_entry_only_to_those_its_rule_lets_in(registry, requester, agent):
    register_nav_entry(
        NavEntry("Changes", "home", "bi-arrow-left-right", 15, lambda user: user.is_agent)
    )
    assert "Changes" in [item["label"] for item in navigation_for(agent, "/")]
    assert "Changes" not in [item["label"] for item in navigation_for(requester, "/")]


def test_it_marks_the_longest_matching_entry_active(agent):
    items = {item["label"]: item for item in navigation_for(agent, "/catalog/cis/")}
    assert items["Configuration items"]["active"]
    assert not items["Catalogue"]["active"]


def test_it_marks_a_parent_active_through_its_child(registry, admin_user):
    items = {item["label"]: item for item in navigation_for(admin_user, "/improvement/goals/")}
    assert items["Improvement"]["active"]
    assert [child["active"] for child in items["Improvement"]["children"]] == [
        False,
        False,
        True,
        False,
    ]


def test_requests_show_the_catalogue_to_everyone_and_the_desk_to_agents(requester, agent):
    for_requester = {item["label"]: item for item in navigation_for(requester, "/")}
    assert {"Request something", "My requests"} <= set(for_requester)
    assert "Requests" not in for_requester
    # A requester may be someone's manager: their approvals are under their requests.
    mine = for_requester["My requests"]["children"]
    assert [child["label"] for child in mine] == ["My approvals"]
    items = {item["label"]: item for item in navigation_for(agent, "/requests/types/")}
    assert [child["label"] for child in items["Requests"]["children"]] == [
        "All requests",
        "Fulfilment tasks",
        "Request types",
    ]
    assert items["Requests"]["active"]
