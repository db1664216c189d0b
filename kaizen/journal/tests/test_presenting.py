"""Journal events as people read them (kaizen/journal/presenting.py)."""

import datetime as dt

import pytest
from django.db import transaction

from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Change, Detail, present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.services import record_event
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


def write(subject, changes=None, data=None):
    with transaction.atomic():
        return record_event(
            EventType.INCIDENT_UPDATED, subject, actor=None, changes=changes, data=data
        )


def test_it_labels_fields_and_choices_from_the_subject_s_model(requester):
    incident = make_incident(requester)
    write(
        incident,
        {
            "priority": {"old": 5, "new": 1},
            "state": {"old": "in_progress", "new": "on_hold"},
            "major_incident": {"old": False, "new": True},
            "first_responded_at": {"old": None, "new": "2026-03-05T23:07:09.123456+00:00"},
            "configuration_item": {"old": None, "new": {"id": 4, "repr": "WLC-HQ-01"}},
            "retired_field": {"old": "a", "new": "b"},
        },
    )
    (event,) = present(timeline_for(incident)[:1])
    # In the model's field order, whatever order the journal keeps the keys in (PostgreSQL's
    # jsonb sorts them); names the model no longer has come last.
    assert event.readable_changes == [
        Change("Configuration item", None, "WLC-HQ-01"),
        Change("Priority", "5 - Planning", "1 - Critical"),
        Change("Major incident", "No", "Yes"),
        Change("State", "In progress", "On hold"),
        Change(
            "First responded at",
            None,
            dt.datetime(2026, 3, 5, 23, 7, 9, 123456, tzinfo=dt.UTC),
        ),
        Change("Retired field", "a", "b"),
    ]
    assert event.subject_label == "Incident"


def test_it_leaves_out_fields_empty_before_and_after(requester):
    incident = make_incident(requester)
    (created,) = present(timeline_for(incident))
    labels = [change.label for change in created.readable_changes]
    assert "State" in labels and "Short description" in labels
    assert "Resolution notes" not in labels and "Assignee" not in labels


def test_it_names_bare_ids_in_one_query_per_related_model(requester, django_assert_num_queries):
    incident = make_incident(requester)
    people = [make_user(first_name="Grace", last_name=f"Hopper {n}") for n in range(3)]
    team = make_team("Desk")
    for person in people:
        write(incident, {"assignee": {"old": None, "new": person.pk}})
    write(incident, {"assignment_group": {"old": team.pk, "new": None}})
    events = timeline_for(incident)
    with django_assert_num_queries(2):  # the people, the teams
        present(events)
    assert events[0].readable_changes == [Change("Assignment group", "Desk", None)]
    assert [event.readable_changes[0].new for event in events[1:4]] == [
        "Grace Hopper 2",
        "Grace Hopper 1",
        "Grace Hopper 0",
    ]


def test_it_reads_an_event_s_data(requester):
    incident = make_incident(requester)
    write(
        incident,
        data={
            "member": {"id": 3, "repr": "Ada Lovelace"},
            "excerpt": "x" * 250,
            "due_at": "2026-03-05T23:07:09+00:00",
            "on_hold_reason": "awaiting_vendor",
        },
    )
    (event,) = present(timeline_for(incident)[:1])
    # The subject's own fields first, then the other keys alphabetically.
    assert event.readable_data == [
        Detail("On hold reason", "Awaiting vendor"),
        Detail("Due at", dt.datetime(2026, 3, 5, 23, 7, 9, tzinfo=dt.UTC)),
        Detail("Excerpt", "x" * 199 + "…"),
        Detail("Member", "Ada Lovelace"),
    ]
