"""The incident page's timeline reads as people speak: field labels, choice labels, people by
name, times as the rest of the page shows them."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kaizen.incidents import services
from kaizen.incidents.tests.helpers import assert_constant_queries, make_incident, move
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lovelace(db):
    return make_user("lovelace", first_name="Ada", last_name="Lovelace")


def timeline_of(page: str) -> str:
    start = page.index('id="timeline"')
    return page[start : page.index("</ul>", start)]


def changes(page: str) -> list[str]:
    """The change lines of the timeline as text ("Label: old → new")."""
    lines = re.findall(r'<div class="change">(.*?)</div>', timeline_of(page), re.S)
    return [re.sub(r"<[^>]+>", "", line).strip() for line in lines]


def test_it_reads_an_assignment_a_move_and_a_hold(web, agent, requester, lovelace):
    desk = make_team("Desk", members=[lovelace])
    incident = make_incident(requester, short_description="Printer jammed")
    at = dt.datetime(2026, 3, 5, 23, 7, 9, 123456, tzinfo=dt.UTC)
    services.do_assign_incident(
        incident,
        assignment_group=desk,
        assignee=lovelace,
        actor=agent,
        expected_version=None,
        at=at,
    )
    move(incident, "in_progress", actor=agent, at=at + dt.timedelta(minutes=5))
    move(
        incident,
        "on_hold",
        actor=agent,
        at=at + dt.timedelta(minutes=9),
        on_hold_reason="awaiting_vendor",
    )
    agent.time_zone = "Europe/Paris"
    agent.save(update_fields=["time_zone"])
    page = web(agent).get(f"/incidents/{incident.number}/").content.decode()
    lines = changes(page)
    assert "Assignee: (none) → Ada Lovelace" in lines
    assert "Assignment group: (none) → Desk" in lines
    assert "State: New → Assigned" in lines
    assert "State: Assigned → In progress" in lines
    assert "State: In progress → On hold" in lines
    assert "On hold reason: (none) → Awaiting vendor" in lines
    # The first response is a time, shown in the reader's zone as every time on the page, never
    # the journal's UTC text.
    assert "First responded at: (none) → 6 Mar 2026, 00:12" in lines
    timeline = timeline_of(page)
    assert "+00:00" not in timeline and "in_progress" not in timeline
    assert "first_responded_at" not in timeline and "awaiting_vendor" not in timeline
    # The event's own time, with the exact instant as its tooltip, and the actor by name.
    assert (
        '<time datetime="2026-03-05T23:12:09Z" title="Fri 6 Mar 2026, 00:12:09 CET">'
        "6 Mar 2026, 00:12</time>"
    ) in timeline
    assert "by Alan Agent" in timeline
    # The creation event lists only the fields that have a value.
    assert "Resolution notes" not in timeline


def test_it_names_a_related_record_stored_as_a_bare_id(web, agent, requester, lovelace):
    """Events written by older versions or other tools may carry an id alone."""
    from django.db import transaction

    incident = make_incident(requester)
    gone_id = lovelace.pk + 1000
    with transaction.atomic():
        record_event(
            EventType.INCIDENT_UPDATED,
            incident,
            actor=None,
            changes={"assignee": {"old": gone_id, "new": lovelace.pk}},
        )
    lines = changes(web(agent).get(f"/incidents/{incident.number}/").content.decode())
    assert f"Assignee: #{gone_id} (removed) → Ada Lovelace" in lines


def test_it_reads_the_timeline_in_a_constant_number_of_queries(web, agent, requester):
    incident = make_incident(requester)
    client = web(agent)
    people = iter([make_user(first_name=f"Person {n}") for n in range(8)])
    now = timezone.now()

    def add_events():
        from django.db import transaction

        for _ in range(2):
            person = next(people)
            desk = make_team(members=[person])
            services.do_assign_incident(
                incident,
                assignment_group=desk,
                assignee=person,
                actor=agent,
                expected_version=None,
            )
            with transaction.atomic():  # a bare id, named in the page's one query per model
                record_event(
                    EventType.INCIDENT_UPDATED,
                    incident,
                    actor=agent,
                    changes={"assignee": {"old": None, "new": person.pk}},
                    occurred_at=now,
                )

    add_events()
    assert_constant_queries(
        "incident_detail_timeline", lambda: client.get(f"/incidents/{incident.number}/"), add_events
    )
