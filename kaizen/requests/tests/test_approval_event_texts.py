"""How a request's approval events read in its history: REQUEST_APPROVAL_REQUESTED,
REQUEST_APPROVAL_VOTED and REQUEST_APPROVAL_CONCLUDED, recorded by the services themselves."""

import datetime as dt

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.people.delegations import do_delegate
from kaizen.people.models import UserKind

# Registers the shapes (the app's ready() imports it too).
from kaizen.requests import approval_event_shapes  # noqa: F401
from kaizen.requests.services.approvals import do_apply_due_approvals, do_decide
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def lines_for(subject, event_type, reader=None) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(reversed(chosen), reader)]


def test_approval_events_read_in_words(settings):
    settings.TIME_ZONE = "UTC"
    ann = make_user("ann", first_name="Ann", last_name="Archer")
    bob = make_user("bob", first_name="Bob", last_name="Baker")
    deputy = make_user("dora", first_name="Dora", last_name="Deputy")
    do_delegate(bob, deputy, starts_at=AT, ends_at=AT + 48 * HOUR, actor=bob, at=AT)
    steps = [
        {
            "name": "Budget holders",
            "approver_source": "people",
            "people": [ann.pk, bob.pk],
            "policy": "all",
            "due_hours": 24,
            "due_action": "reject",
        }
    ]
    request_type = make_request_type(steps=steps)
    request = make_request(request_type, make_user(kind=UserKind.REQUESTER), at=AT)
    (requested,) = lines_for(request, EventType.REQUEST_APPROVAL_REQUESTED)
    assert requested == [
        "Step: 1",
        "Name: Budget holders",
        "Policy: All approvers",
        "Approvers: Ann Archer, Bob Baker",
        "Due: 3 Mar 2026, 09:00",
        "At the due time: Reject",
    ]
    do_decide(request, actor=ann, decision="approve", comment="Within budget", at=AT + HOUR)
    do_decide(request, actor=deputy, decision="approve", at=AT + 2 * HOUR)
    first, second = lines_for(request, EventType.REQUEST_APPROVAL_VOTED)
    assert first == [
        "Step: 1",
        "Name: Budget holders",
        "Approver: Ann Archer",
        "Decision: Approved",
        "Comment: Within budget",
    ]
    assert second == [
        "Step: 1",
        "Name: Budget holders",
        "Approver: Bob Baker",
        "Decision: Approved",
        "Decided: by their delegate",
    ]
    (concluded,) = lines_for(request, EventType.REQUEST_APPROVAL_CONCLUDED)
    assert concluded == [
        "Step: 1",
        "Name: Budget holders",
        "Outcome: Approved",
        "How: all 2 approved",
    ]


def test_a_fallback_and_a_due_date_read_in_words(settings):
    settings.TIME_ZONE = "UTC"
    lead = make_user("lena", first_name="Lena", last_name="Lead")
    desk = make_team("Service Desk", manager=lead)
    steps = [
        {
            "name": "Line manager",
            "approver_source": "requester_manager",
            "due_hours": 8,
            "due_action": "approve",
        }
    ]
    request_type = make_request_type(steps=steps, fulfilment_group=desk)
    request = make_request(request_type, make_user(kind=UserKind.REQUESTER), at=AT)
    (requested,) = lines_for(request, EventType.REQUEST_APPROVAL_REQUESTED)
    assert "Approvers: Lena Lead" in requested
    assert "Nobody resolved, so asked: the manager of Service Desk" in requested
    do_apply_due_approvals(AT + 8 * HOUR)
    (concluded,) = lines_for(request, EventType.REQUEST_APPROVAL_CONCLUDED)
    assert concluded == [
        "Step: 1",
        "Name: Line manager",
        "Outcome: Approved",
        "How: due date passed: approved by default",
    ]
