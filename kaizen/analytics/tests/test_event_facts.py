"""One fact row per incident journal event: who moved what from where to where."""

import datetime as dt

import pytest

from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import event_facts, incident_facts
from kaizen.incidents import services
from kaizen.incidents.tests.helpers import events_of, make_incident, move
from kaizen.people import services as people_services

pytestmark = pytest.mark.django_db

MOVES = (
    "event_type",
    "state_from",
    "state_to",
    "team_from",
    "team_to",
    "assignee_from",
    "assignee_to",
    "priority_from",
    "priority_to",
)


def moves(incident) -> list[tuple]:
    return [tuple(row[name] for name in MOVES) for row in event_facts(incident)]


def test_it_reads_state_team_assignee_and_priority_moves_from_each_event(agent, bob, desk):
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    incident = make_incident(assignment_group=desk, assignee=agent, at=at)
    incident = services.do_assign_incident(
        incident, assignment_group=desk, assignee=bob, actor=agent, expected_version=None
    )
    incident = services.do_update_incident(
        incident, actor=bob, expected_version=None, impact=2, urgency=2
    )
    services.do_add_incident_comment(incident, actor=bob, body="Looking into it.")
    move(incident, "in_progress", "resolved", actor=bob)
    sync()
    assert moves(incident) == [
        (
            "incidents.incident.created",
            None,
            "assigned",
            None,
            "Service desk",
            None,
            "Alan Agent",
            None,
            5,  # impact low x urgency low
        ),
        (
            "incidents.incident.assigned",
            None,
            None,
            None,
            None,
            "Alan Agent",
            "Bob Builder",
            None,
            None,
        ),
        ("incidents.incident.updated", None, None, None, None, None, None, 5, 3),
        ("incidents.incident.commented", None, None, None, None, None, None, None, None),
        (
            "incidents.incident.state_changed",
            "assigned",
            "in_progress",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "incidents.incident.state_changed",
            "in_progress",
            "resolved",
            None,
            None,
            None,
            None,
            None,
            None,
        ),
    ]
    rows = event_facts(incident)
    assert [row["event_id"] for row in rows] == [event.pk for event in events_of(incident)]
    assert [row["actor"] for row in rows] == ["system", "Alan Agent"] + ["Bob Builder"] * 4
    assert rows[0]["occurred_at"] == dt.datetime(2026, 3, 2, 9, 0)


def test_it_files_history_under_the_current_names_after_a_rebuild(agent, desk):
    incident = make_incident(assignment_group=desk, assignee=agent)
    sync()
    people_services.do_update_team(desk, actor=None, name="First line")
    rebuild()
    assert event_facts(incident)[0]["team_to"] == "First line"
    assert incident_facts()[incident.number]["team"] == "First line"
