"""Incident test data on top of the shared personas in kaizen/conftest.py."""

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, UserKind
from kaizen.testing import make_offering, make_service, make_team, make_user


@pytest.fixture
def other_requester(db):
    """Rob: another requester, who must never see Rita's incidents."""
    return make_user("rob", kind=UserKind.REQUESTER, first_name="Rob", last_name="Other")


@pytest.fixture
def incident_manager(db):
    """Ines: the incident process manager (sets the priority matrix)."""
    user = make_user("ines", first_name="Ines", last_name="Incident")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def network_agent(db):
    """Nina: an agent in the network team."""
    return make_user("nina", first_name="Nina", last_name="Network")


@pytest.fixture
def service_desk(agent):
    return make_team("Service Desk", slug="service-desk", members=[agent])


@pytest.fixture
def network(network_agent):
    return make_team("Network", slug="network", members=[network_agent])


@pytest.fixture
def email(db):
    return make_service("Email", slug="email", summary="Mailboxes")


@pytest.fixture
def mailbox(email):
    return make_offering(email, "Mailbox access")


@pytest.fixture
def incident(requester, email):
    from kaizen.incidents.tests.helpers import make_incident

    return make_incident(
        requester,
        service=email,
        short_description="Outlook cannot connect",
        description="Since this morning.",
        impact=2,
        urgency=2,
    )


@pytest.fixture
def hooks(monkeypatch):
    """Records the calls to the two collaborator hooks: SLA clocks and notifications."""
    calls = {"clocks": [], "notifications": []}

    def refresh(incident):
        calls["clocks"].append(incident.pk)

    def queue(template, recipients, context, *, category):
        calls["notifications"].append(
            {
                "template": template,
                "recipients": [person.username for person in recipients],
                "context": context,
                "category": category,
            }
        )

    monkeypatch.setattr("kaizen.sla.refresh.refresh_ticket_clocks", refresh)
    monkeypatch.setattr("kaizen.notifications.services.queue_notification", queue)
    return calls
