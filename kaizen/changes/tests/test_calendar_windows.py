"""Blackout and maintenance windows: expansion into instants (hand-computed, across DST
changes) and the services that write them, with their journal events."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from kaizen.changes.calendar_windows import covering, merged, weekly_intervals
from kaizen.changes.models import ChangeWindow
from kaizen.changes.services.calendar import do_create_window, do_delete_window, do_update_window
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_service

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_weekly_window_keeps_its_wall_clock_time_through_both_dst_changes():
    sunday_2_to_6 = (6, dt.time(2), dt.time(6), LONDON)
    spring = weekly_intervals(*sunday_2_to_6, utc(2026, 3, 20), utc(2026, 4, 6))
    assert spring == [
        (utc(2026, 3, 22, 2), utc(2026, 3, 22, 6)),  # GMT
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 5)),  # BST from 01:00 UTC that morning
        (utc(2026, 4, 5, 1), utc(2026, 4, 5, 5)),
    ]
    # 25 Oct 2026: 02:00 BST becomes 01:00 GMT, so 02:00 local is already GMT.
    autumn = weekly_intervals(*sunday_2_to_6, utc(2026, 10, 17), utc(2026, 10, 26))
    assert autumn == [
        (utc(2026, 10, 18, 1), utc(2026, 10, 18, 5)),
        (utc(2026, 10, 25, 2), utc(2026, 10, 25, 6)),
    ]


def test_a_window_in_the_spring_gap_moves_forward_by_the_gap():
    # 01:30 does not exist in London on 29 March 2026: it is read with the GMT offset
    # (01:30 UTC, i.e. 02:30 BST), and 03:00 BST is 02:00 UTC.
    assert weekly_intervals(
        6, dt.time(1, 30), dt.time(3), LONDON, utc(2026, 3, 29), utc(2026, 3, 30)
    ) == [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))]


def test_a_window_across_midnight_ends_the_next_day_and_respects_its_dates():
    saturday_night = (5, dt.time(22), dt.time(2), ZoneInfo("UTC"))
    found = weekly_intervals(
        *saturday_night, utc(2026, 3, 1), utc(2026, 3, 22), dt.date(2026, 3, 8)
    )
    assert found == [
        (utc(2026, 3, 14, 22), utc(2026, 3, 15, 2)),
        (utc(2026, 3, 21, 22), utc(2026, 3, 22, 2)),
    ]
    # The occurrence that started the evening before the period is still running in it.
    assert weekly_intervals(*saturday_night, utc(2026, 3, 15, 1), utc(2026, 3, 15, 3)) == [
        (utc(2026, 3, 14, 22), utc(2026, 3, 15, 2))
    ]
    assert weekly_intervals(
        *saturday_night, utc(2026, 3, 1), utc(2026, 3, 22), None, dt.date(2026, 3, 13)
    ) == [
        (utc(2026, 2, 28, 22), utc(2026, 3, 1, 2)),  # still running when the period starts
        (utc(2026, 3, 7, 22), utc(2026, 3, 8, 2)),
    ]


def test_touching_intervals_merge_and_cover_a_plan_across_them():
    parts = [
        (utc(2026, 3, 15, 0), utc(2026, 3, 15, 6)),
        (utc(2026, 3, 14, 22), utc(2026, 3, 15, 0)),
    ]
    assert merged(parts) == [(utc(2026, 3, 14, 22), utc(2026, 3, 15, 6))]
    assert covering(parts, utc(2026, 3, 14, 23), utc(2026, 3, 15, 1)) is not None
    assert covering(parts, utc(2026, 3, 15, 5), utc(2026, 3, 15, 7)) is None


@pytest.mark.django_db
def test_creating_a_window_checks_its_fields_and_journals_them(change_manager):
    mail = make_service("Mail")
    with pytest.raises(ValidationError) as caught:
        do_create_window(
            actor=change_manager,
            kind="maintenance",
            name="",
            recurrence="weekly",
            time_zone="Mars/Olympus",
        )
    assert set(caught.value.error_dict) == {
        "name",
        "services",
        "weekday",
        "start_time",
        "end_time",
        "time_zone",
    }
    with pytest.raises(ValidationError) as caught:
        do_create_window(
            actor=change_manager,
            kind="blackout",
            name="Freeze",
            all_services=True,
            starts_at=utc(2026, 12, 20),
            ends_at=utc(2026, 12, 20),
        )
    assert set(caught.value.error_dict) == {"ends_at"}
    with pytest.raises(ValidationError) as caught:
        do_create_window(
            actor=change_manager,
            kind="maintenance",
            name="M",
            all_services=True,
            starts_at=utc(2026, 1, 1),
            ends_at=utc(2026, 1, 2),
        )
    assert "all_services" in caught.value.error_dict
    window = do_create_window(
        actor=change_manager,
        kind="maintenance",
        name="Mail Sunday",
        recurrence="weekly",
        weekday=6,
        start_time=dt.time(2),
        end_time=dt.time(6),
        time_zone="Europe/London",
        services=[mail],
    )
    event = JournalEvent.objects.for_subject(window).get()
    assert event.event_type == EventType.CHANGE_WINDOW_CREATED
    assert event.changes["start_time"] == {"old": None, "new": "02:00:00"}
    assert event.changes["services"]["new"] == [{"id": mail.pk, "repr": "Mail"}]


@pytest.mark.django_db
def test_updating_and_deleting_a_window_journals_what_changed(change_manager):
    mail, wiki = make_service("Mail"), make_service("Wiki")
    window = do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Freeze",
        starts_at=utc(2026, 12, 20),
        ends_at=utc(2027, 1, 4),
        services=[mail],
    )
    do_update_window(window, actor=change_manager, ends_at=utc(2027, 1, 5), services=[mail, wiki])
    window.refresh_from_db()
    assert window.version == 2
    event = JournalEvent.objects.for_subject(window).latest("id")
    assert event.event_type == EventType.CHANGE_WINDOW_UPDATED
    assert set(event.changes) == {"ends_at", "services"}
    do_update_window(window, actor=change_manager, name="Freeze")  # nothing changed
    assert JournalEvent.objects.for_subject(window).count() == 2
    # Turned weekly, its one-off instants are dropped.
    do_update_window(
        window,
        actor=change_manager,
        recurrence="weekly",
        weekday=4,
        start_time=dt.time(18),
        end_time=dt.time(23),
        time_zone="UTC",
    )
    window.refresh_from_db()
    assert window.starts_at is None and window.ends_at is None
    pk = window.pk
    do_delete_window(window, actor=change_manager)
    assert not ChangeWindow.objects.filter(pk=pk).exists()
    deleted = JournalEvent.objects.filter(
        event_type=EventType.CHANGE_WINDOW_DELETED, subject_id=str(pk)
    ).get()
    assert deleted.data["name"] == "Freeze" and deleted.data["weekday"] == 4
