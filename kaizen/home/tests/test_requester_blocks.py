"""A requester's home: my open incidents and what each waits for, and the catalogue."""

import pytest

from kaizen.home.selectors import waiting_for
from kaizen.home.tests.helpers import block, figures, listed_count, open_incident
from kaizen.incidents.tests.helpers import move
from kaizen.testing import PASSWORD, make_service

pytestmark = pytest.mark.django_db


def test_it_lists_my_open_incidents_with_what_each_waits_for(client, requester):
    open_incident(requester, actor=requester, short_description="Printer jams")
    asked = open_incident(requester, actor=requester, short_description="VPN drops")
    move(asked, "in_progress", "on_hold", on_hold_reason="awaiting_caller")
    vendor = open_incident(requester, actor=requester, short_description="Laptop broken")
    move(vendor, "in_progress", "on_hold", on_hold_reason="awaiting_vendor")
    done = open_incident(requester, actor=requester, short_description="Done already")
    move(done, "in_progress", "resolved")
    open_incident(short_description="Someone else's")
    client.login(username="rita", password=PASSWORD)
    shown = block(client.get("/"), "requester-tickets")
    assert figures(shown) == {"Open": 3, "Waiting for you": 1}
    details = {row.text.split(" ", 1)[1]: (row.detail, row.badge) for row in shown.rows}
    assert details == {
        "Printer jams": ("Waiting for the service desk to pick it up", ""),
        "VPN drops": ("Waiting for you", "Your turn"),
        "Laptop broken": ("Waiting for a supplier", ""),
    }
    assert listed_count(client, shown.figures[0].url) == 3
    assert listed_count(client, shown.figures[1].url) == 1  # exactly the one waiting for them


def test_it_says_in_words_what_every_state_waits_for():
    assert waiting_for("assigned", "") == "Waiting for an agent to start on it"
    assert waiting_for("in_progress", "") == "Being worked on"
    assert waiting_for("on_hold", "awaiting_problem") == (
        "Waiting for the underlying problem to be fixed"
    )
    assert waiting_for("on_hold", "awaiting_change") == "Waiting for a planned change"


def test_it_shows_a_few_live_public_services_and_their_count(client, requester):
    for name in ("Payroll", "Email", "VPN"):
        make_service(name)
    make_service("AI Assistant", lifecycle="pipeline")
    client.login(username="rita", password=PASSWORD)
    shown = block(client.get("/"), "requester-catalogue")
    assert figures(shown) == {"Services": 3}
    assert [row.text for row in shown.rows] == ["Email", "Payroll", "VPN"]
    assert listed_count(client, shown.figures[0].url) == 3


def test_it_says_plainly_when_a_requester_has_nothing_open(client, requester):
    client.login(username="rita", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "You have no open incident." in page
    assert "No service is offered to you yet." in page
