"""Assignment: group and assignee rules, the Assigned state, counting reassignments."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import last_event, make_incident, move
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


def assign(incident, group=None, assignee=None, **kwargs):
    kwargs.setdefault("expected_version", None)
    kwargs.setdefault("actor", None)
    return services.do_assign_incident(
        incident, assignment_group=group, assignee=assignee, **kwargs
    )


@pytest.fixture
def nina_in_desk(service_desk, network_agent):
    """Nina also sits on the service desk, so the desk has two members."""
    from kaizen.people import services as people_services

    people_services.do_add_team_member(service_desk, network_agent, actor=None)
    return network_agent


def test_it_assigns_moves_new_to_assigned_and_journals_it(incident, service_desk, agent):
    assigned = assign(incident, service_desk, agent, actor=agent, expected_version=1)
    assert (assigned.state, assigned.version, assigned.reassignment_count) == ("assigned", 2, 0)
    event = last_event(incident)
    assert event.event_type == "incidents.incident.assigned"
    assert event.changes == {
        "assignment_group": {"old": None, "new": {"id": service_desk.pk, "repr": "Service Desk"}},
        "assignee": {"old": None, "new": {"id": agent.pk, "repr": "Alan Agent"}},
        "state": {"old": "new", "new": "assigned"},
    }


def test_it_keeps_a_worked_state_and_goes_back_to_new_when_unassigned(incident, service_desk):
    working = move(assign(incident, service_desk), "in_progress")
    assert assign(working, None, None).state == "in_progress"
    other = assign(make_incident(), service_desk)
    assert assign(other, None, None).state == "new"


# (before, after, counted): groups "desk"/"net", people "alan" (desk), "nina" (desk and net).
REASSIGNMENTS = [
    ((None, None), ("desk", None), 0),  # first assignment
    ((None, None), ("desk", "alan"), 0),  # first assignment, to a person straight away
    (("desk", None), ("desk", "alan"), 0),  # picked up from the group's queue
    (("desk", "alan"), ("desk", "nina"), 1),  # another person
    (("desk", "alan"), ("net", None), 1),  # another group
    (("desk", "nina"), ("net", "nina"), 1),  # another group, same person
    (("desk", "alan"), ("desk", None), 1),  # handed back to the queue
    (("desk", "alan"), ("desk", "alan"), 0),  # no change at all
]


@pytest.mark.parametrize(("before", "after", "counted"), REASSIGNMENTS)
def test_it_counts_reassignments_after_the_first_assignment(
    service_desk, network, agent, nina_in_desk, before, after, counted
):
    groups = {None: None, "desk": service_desk, "net": network}
    people = {None: None, "alan": agent, "nina": nina_in_desk}
    incident = make_incident()
    if before != (None, None):
        incident = assign(incident, groups[before[0]], people[before[1]])
    incident = assign(incident, groups[after[0]], people[after[1]])
    assert incident.reassignment_count == counted
    if counted:
        assert last_event(incident).changes["reassignment_count"] == {"old": 0, "new": 1}


def test_it_counts_every_reassignment(service_desk, network, agent, network_agent):
    incident = assign(make_incident(), service_desk, agent)
    incident = assign(incident, network, network_agent)
    incident = assign(incident, service_desk, None)
    incident = assign(incident, service_desk, agent)  # picked up again: not counted
    assert incident.reassignment_count == 2


@pytest.mark.parametrize(
    ("who", "field", "message"),
    [
        ("outsider", "assignee", "is not a member of Service Desk"),
        ("requester", "assignee", "is not an active agent"),
        ("inactive", "assignee", "is not an active agent"),
        ("inactive_team", "assignment_group", "is not an active team"),
    ],
)
def test_it_refuses_an_assignee_outside_the_group_and_inactive_records(
    incident, service_desk, requester, who, field, message
):
    group, person = service_desk, None
    if who == "outsider":
        person = make_user("olaf")
    elif who == "requester":
        person = requester
    elif who == "inactive":
        person = make_user("ivan", is_active=False)
    else:
        group = make_team("Old team", is_active=False)
    with pytest.raises(ValidationError) as caught:
        assign(incident, group, person)
    assert message in " ".join(caught.value.message_dict[field])
    assert Incident.objects.get(pk=incident.pk).state == "new"


def test_it_lets_an_agent_be_assigned_without_a_group(incident, agent):
    assert assign(incident, None, agent).assignee == agent


@pytest.mark.parametrize("state", ["resolved", "cancelled"])
def test_it_assigns_only_open_incidents(incident, service_desk, state):
    closed = move(incident, state)
    with pytest.raises(ValidationError) as caught:
        assign(closed, service_desk)
    assert "only open incidents are assigned" in caught.value.message_dict["assignment_group"][0]
