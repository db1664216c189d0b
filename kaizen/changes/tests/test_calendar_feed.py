"""The personal iCalendar feed: a secret address per person, revocable, with the calendar's
filters; tested by parsing the feed with the `icalendar` library."""

import datetime as dt

import icalendar
import pytest

from kaizen.changes.models import CalendarFeedToken
from kaizen.changes.services.calendar import (
    do_create_calendar_feed,
    do_create_window,
    do_revoke_calendar_feed,
)
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people import services as people_services
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MAR_9 = dt.datetime(2026, 3, 9, tzinfo=UTC)
RANGE = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def booked(actor, start, end, **fields):
    change = authorised_normal_change(
        actor,
        planned_start=MAR_9 + dt.timedelta(hours=start),
        planned_end=MAR_9 + dt.timedelta(hours=end),
        **fields,
    )
    return move(change, "scheduled", actor, T0 + dt.timedelta(days=2))


def events(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_feed_has_one_event_per_booked_change_and_blackout(client, agent, change_manager):
    mail, wiki = make_service("Mail"), make_service("Wiki")
    on_mail = booked(agent, 9, 11, services_=[mail])
    booked(agent, 13, 14, services_=[wiki])
    authorised_normal_change(agent, planned_start=MAR_9, planned_end=MAR_9 + dt.timedelta(hours=1))
    do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Quarter close",
        all_services=True,
        starts_at=dt.datetime(2026, 3, 13, tzinfo=UTC),
        ends_at=dt.datetime(2026, 3, 14, tzinfo=UTC),
    )
    _token, secret = do_create_calendar_feed(agent, actor=agent)
    found = events(client.get(f"/changes/calendar/feed/{secret}.ics{RANGE}"))
    assert [str(e["summary"]) for e in found] == [
        f"{on_mail.number} {on_mail.title}",
        "CHG0000002 Upgrade the mail gateway to 10.2",
        "Blackout: Quarter close",
    ]  # the authorised but unscheduled change is not on the calendar
    first = found[0]
    assert str(first["uid"]) == f"{on_mail.number}@kaizen-changes"
    assert first.decoded("dtstart") == MAR_9 + dt.timedelta(hours=9)
    assert first.decoded("dtend") == MAR_9 + dt.timedelta(hours=11)
    assert int(first["sequence"]) == on_mail.version
    assert str(first["url"]).endswith(f"/changes/{on_mail.number}/")
    assert "Services: Mail" in str(first["description"])
    assert found[2].decoded("dtstart") == dt.datetime(2026, 3, 13, tzinfo=UTC)
    # The calendar's filters apply.
    filtered = events(client.get(f"/changes/calendar/feed/{secret}.ics{RANGE}&service=wiki"))
    assert [str(e["summary"]) for e in filtered] == [
        "CHG0000002 Upgrade the mail gateway to 10.2",
        "Blackout: Quarter close",
    ]


def test_a_revoked_or_replaced_address_answers_404(client, agent):
    _token, first = do_create_calendar_feed(agent, actor=agent)
    _token, second = do_create_calendar_feed(agent, actor=agent)
    assert client.get(f"/changes/calendar/feed/{first}.ics").status_code == 404
    assert client.get(f"/changes/calendar/feed/{second}.ics").status_code == 200
    assert do_revoke_calendar_feed(agent, actor=agent) == 1
    assert client.get(f"/changes/calendar/feed/{second}.ics").status_code == 404
    assert client.get("/changes/calendar/feed/kzcal_guessed.ics").status_code == 404
    journaled = JournalEvent.objects.for_subject(agent).filter(
        event_type__in=[EventType.CALENDAR_FEED_CREATED, EventType.CALENDAR_FEED_REVOKED]
    )
    assert journaled.count() == 2 + 2  # two created, the first replaced and then the second revoked


def test_a_person_who_may_no_longer_see_the_calendar_gets_404(client, agent):
    _token, secret = do_create_calendar_feed(agent, actor=agent)
    people_services.do_update_user(agent, actor=None, is_active=False)
    assert client.get(f"/changes/calendar/feed/{secret}.ics").status_code == 404


def test_the_feed_page_shows_the_address_once_and_revokes_it(web, agent, requester):
    assert web(requester).get("/changes/calendar/feed/").status_code == 403
    page = web(agent).post("/changes/calendar/feed/", {"action": "create"}).content.decode()
    token = CalendarFeedToken.objects.get(user=agent, revoked_at=None)
    assert f"/changes/calendar/feed/{token.prefix}" in page
    page = web(agent).get("/changes/calendar/feed/").content.decode()
    assert f"/changes/calendar/feed/{token.prefix}" not in page
    assert f"<code>{token.prefix}…</code>" in page
    web(agent).post("/changes/calendar/feed/", {"action": "revoke"})
    assert not CalendarFeedToken.objects.filter(revoked_at=None).exists()
