"""Service reviews and their actions: scheduled once per period, held with minutes, cancelled
with a reason, each write journaled and refused on a stale version."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.tracking import VersionConflict
from kaizen.servicelevels.models import ReviewStatus
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

AT = dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC)
Q1 = {
    "period_start": dt.date(2026, 1, 1),
    "period_end": dt.date(2026, 3, 31),
    "due_on": dt.date(2026, 4, 10),
}


@pytest.fixture
def review(mail_sla, slm):
    return do_schedule_review(mail_sla, actor=slm, at=AT, **Q1)


def events(record) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(record).order_by("id"))


def test_it_schedules_a_numbered_review_journaled_with_every_field(review, slm):
    assert review.number == "REV00001"
    assert (review.status, review.version) == (ReviewStatus.SCHEDULED, 1)
    (scheduled,) = events(review)
    assert scheduled.event_type == EventType.REVIEW_SCHEDULED and scheduled.actor == slm
    assert scheduled.changes["due_on"] == {"old": None, "new": "2026-04-10"}
    assert scheduled.changes["status"]["new"] == "scheduled"


def test_it_schedules_one_review_per_period(review, mail_sla):
    with pytest.raises(ValidationError) as raised:
        do_schedule_review(mail_sla, actor=None, **Q1)
    assert raised.value.message_dict == {
        "period_start": ["REV00001 already reviews the period from 01 Jan 2026."]
    }


def test_it_refuses_a_period_that_does_not_fit(mail_sla):
    with pytest.raises(ValidationError) as raised:
        do_schedule_review(
            mail_sla,
            actor=None,
            period_start=dt.date(2025, 12, 1),
            period_end=dt.date(2026, 2, 28),
            due_on=dt.date(2026, 2, 1),
        )
    assert set(raised.value.message_dict) == {"period_start", "due_on"}


def test_it_holds_a_review_with_its_day_attendees_and_minutes(review, slm):
    with pytest.raises(ValidationError) as raised:
        do_hold_review(
            review, actor=slm, expected_version=1, held_on=None, attendees=" ", minutes="", at=AT
        )
    assert set(raised.value.message_dict) == {"held_on", "attendees", "minutes"}
    with pytest.raises(ValidationError) as raised:
        do_hold_review(
            review,
            actor=slm,
            expected_version=1,
            held_on=dt.date(2026, 4, 21),  # the day after AT
            attendees="Finance: Ann",
            minutes="Q1 reviewed",
            at=AT,
        )
    assert "held_on" in raised.value.message_dict
    held = do_hold_review(
        review,
        actor=slm,
        expected_version=1,
        held_on=dt.date(2026, 4, 8),
        attendees=" Finance: Ann; IT: Sam ",
        minutes="Q1 reviewed: P1 target met.",
        at=AT,
    )
    assert (held.status, held.attendees, held.version) == ("held", "Finance: Ann; IT: Sam", 2)
    assert held.held_on_time is True
    last = events(review)[-1]
    assert last.event_type == EventType.REVIEW_HELD
    assert set(last.changes) == {"status", "held_on", "attendees", "minutes"}
    with pytest.raises(ValidationError, match="held already"):
        do_cancel_review(review, actor=slm, expected_version=2, reason="x")


def test_a_review_held_after_its_due_date_is_late(review):
    held = do_hold_review(
        review,
        actor=None,
        expected_version=None,
        held_on=dt.date(2026, 4, 11),
        attendees="Ann",
        minutes="Late",
        at=AT,
    )
    assert held.held_on_time is False


def test_a_stale_version_is_refused_naming_who_changed_it(review, slm):
    do_update_review(
        review,
        actor=slm,
        expected_version=1,
        fields={"scheduled_for": dt.datetime(2026, 4, 8, 14, tzinfo=dt.UTC)},
    )
    with pytest.raises(VersionConflict) as raised:
        do_update_review(review, actor=slm, expected_version=1, fields={"attendees": "Ann"})
    assert raised.value.current_version == 2
    assert "Sam Level" in str(raised.value)


def test_a_cancelled_review_needs_a_reason_and_is_closed(review, slm):
    with pytest.raises(ValidationError) as raised:
        do_cancel_review(review, actor=slm, expected_version=1, reason="  ")
    assert set(raised.value.message_dict) == {"reason"}
    cancelled = do_cancel_review(
        review, actor=slm, expected_version=1, reason="Held with the Q2 review"
    )
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_reason == "Held with the Q2 review"
    assert events(review)[-1].event_type == EventType.REVIEW_CANCELLED
    with pytest.raises(ValidationError) as raised:
        do_update_review(review, actor=slm, expected_version=None, fields={"minutes": "x"})
    assert set(raised.value.message_dict) == {"status"}
    with pytest.raises(ValidationError):
        do_add_review_action(review, actor=slm, title="Too late")


def test_actions_are_agreed_updated_and_taken_into_the_register_once(review, slm):
    ann = make_user("ann")
    with pytest.raises(ValidationError) as raised:
        do_add_review_action(review, actor=slm, title=" ")
    assert set(raised.value.message_dict) == {"title"}
    action = do_add_review_action(
        review, actor=slm, title="Send the P1 trend monthly", owner=ann, due_on=dt.date(2026, 5, 1)
    )
    (added,) = events(action)
    assert added.event_type == EventType.REVIEW_ACTION_ADDED
    assert added.changes["owner"]["new"] == {"id": ann.pk, "repr": str(ann)}
    done = do_update_review_action(action, actor=slm, expected_version=1, fields={"status": "done"})
    assert (done.status, done.version) == ("done", 2)
    with pytest.raises(ValidationError) as raised:
        do_update_review_action(action, actor=slm, expected_version=2, fields={"status": "late"})
    assert set(raised.value.message_dict) == {"status"}
    with pytest.raises(VersionConflict):
        do_update_review_action(action, actor=slm, expected_version=1, fields={"title": "x"})
    # An owner is IT staff or someone who speaks for the customer.
    bob = make_user("bob", kind="requester")
    with pytest.raises(ValidationError) as raised:
        do_update_review_action(action, actor=slm, expected_version=2, fields={"owner": bob})
    assert raised.value.message_dict == {
        "owner": [f"{bob} is neither IT staff nor someone who speaks for Finance."]
    }
    review.agreement.customer.representatives.add(bob)
    do_update_review_action(action, actor=slm, expected_version=2, fields={"owner": bob})
    taken = do_record_improvement_reference(action, actor=slm, reference="CSI00012")
    assert taken.owner == bob
    assert taken.improvement_reference == "CSI00012"
    assert events(action)[-1].changes == {"improvement_reference": {"old": "", "new": "CSI00012"}}
    with pytest.raises(ValidationError, match="CSI00012 already"):
        do_record_improvement_reference(action, actor=slm, reference="CSI00013")


def test_the_journal_alone_rebuilds_reviews_and_actions(review, slm):
    from kaizen.journal.verify import registered, verify_journal

    do_update_review(review, actor=slm, expected_version=1, fields={"attendees": "Ann"})
    do_hold_review(
        review,
        actor=slm,
        expected_version=2,
        held_on=dt.date(2026, 4, 9),
        attendees="Ann",
        minutes="Done",
        at=AT,
    )
    action = do_add_review_action(review, actor=slm, title="Trend", owner=slm)
    do_update_review_action(action, actor=slm, expected_version=1, fields={"status": "dropped"})
    do_record_improvement_reference(action, actor=slm, reference="CSI00001")
    kinds = [kind for kind in registered() if kind.name.startswith("servicelevels.review")]
    reports = verify_journal(kinds)
    assert [(r.kind, r.records, r.events, r.mismatches) for r in reports] == [
        ("servicelevels.review", 1, 3, []),
        ("servicelevels.review_action", 1, 3, []),
    ]
