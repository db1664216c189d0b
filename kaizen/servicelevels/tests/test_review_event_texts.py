"""How service review events read in a review's and an action's history: in words, recorded by
the services themselves."""

import datetime as dt

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.servicelevels.services.reviews import (
    do_add_review_action,
    do_cancel_review,
    do_hold_review,
    do_record_improvement_reference,
    do_schedule_review,
    do_update_review,
    do_update_review_action,
)
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC)


def lines_for(subject, event_type) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen)]


def test_review_and_action_events_read_in_words(settings, mail_sla, slm):
    settings.TIME_ZONE = "UTC"
    review = do_schedule_review(
        mail_sla,
        actor=None,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        due_on=dt.date(2026, 4, 10),
        at=AT,
    )
    (scheduled,) = lines_for(review, EventType.REVIEW_SCHEDULED)
    assert "Number: REV00001" in scheduled and "Status: Scheduled" in scheduled
    assert "Due on: 10 Apr 2026" in scheduled
    assert "Agreement: SLA00001 Mail for Finance" in scheduled
    do_update_review(
        review,
        actor=slm,
        expected_version=None,
        fields={"scheduled_for": dt.datetime(2026, 4, 8, 14, tzinfo=dt.UTC)},
    )
    assert lines_for(review, EventType.REVIEW_UPDATED) == [
        ["Scheduled for: (none) → 8 Apr 2026, 14:00"]
    ]
    do_hold_review(
        review,
        actor=slm,
        expected_version=None,
        held_on=dt.date(2026, 4, 8),
        attendees="Ann, Sam",
        minutes="Q1 met",
        at=AT,
    )
    (held,) = lines_for(review, EventType.REVIEW_HELD)
    assert held[0] == "Status: Scheduled → Held"
    assert "Held on: (none) → 8 Apr 2026" in held and "Minutes: (none) → Q1 met" in held
    other = do_schedule_review(
        mail_sla,
        actor=None,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 6, 30),
        due_on=dt.date(2026, 7, 10),
        at=AT,
    )
    do_cancel_review(other, actor=slm, expected_version=None, reason="Merged with Q3")
    (cancelled,) = lines_for(other, EventType.REVIEW_CANCELLED)
    assert sorted(cancelled) == ["Reason: (none) → Merged with Q3", "Status: Scheduled → Cancelled"]
    ann = make_user("ann", first_name="Ann", last_name="Wood")
    action = do_add_review_action(review, actor=slm, title="Monthly P1 trend", owner=ann)
    (added,) = lines_for(action, EventType.REVIEW_ACTION_ADDED)
    assert "Title: Monthly P1 trend" in added and "Owner: Ann Wood" in added
    assert "Status: Open" in added
    do_update_review_action(action, actor=slm, expected_version=None, fields={"status": "done"})
    do_record_improvement_reference(action, actor=slm, reference="CSI00012")
    assert lines_for(action, EventType.REVIEW_ACTION_UPDATED) == [
        ["Improvement register: (none) → CSI00012"],
        ["Status: Open → Done"],
    ]
