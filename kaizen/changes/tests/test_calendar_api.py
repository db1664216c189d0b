"""/api/v1/change-windows/, /api/v1/change-calendar/ and a change's conflicts over the API:
who may read and write, the shapes, errors that name the field."""

import datetime as dt

import pytest

from kaizen.changes.models import ChangeWindow, ConflictAcknowledgement
from kaizen.changes.services.calendar import do_create_window
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries, make_ci, make_service

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MAR_9 = dt.datetime(2026, 3, 9, tzinfo=UTC)
WINDOWS = "/api/v1/change-windows/"


def window_at(hour_from: float, hour_to: float) -> dict:
    return {
        "planned_start": MAR_9 + dt.timedelta(hours=hour_from),
        "planned_end": MAR_9 + dt.timedelta(hours=hour_to),
    }


def booked(actor, hour_from=9, hour_to=11, **fields):
    change = authorised_normal_change(actor, **window_at(hour_from, hour_to), **fields)
    return move(change, "scheduled", actor, T0 + dt.timedelta(days=2))


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def mail(db):
    return make_service("Mail", slug="mail")


WEEKLY = {
    "kind": "maintenance",
    "name": "Mail Sunday maintenance",
    "recurrence": "weekly",
    "weekday": 6,
    "start_time": "02:00",
    "end_time": "06:00",
    "time_zone": "Europe/London",
    "services": ["mail"],
}


def test_it_answers_401_403_and_only_managers_write_windows(
    api, requester, agent, change_manager, mail
):
    assert api().get(WINDOWS).status_code == 401
    assert api(requester).get(WINDOWS).status_code == 403
    assert api(agent).get(WINDOWS).status_code == 200
    assert api(agent).post(WINDOWS, WEEKLY, format="json").status_code == 403
    response = api(change_manager).post(WINDOWS, WEEKLY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["services"], body["weekday"], body["start_time"]) == (["mail"], 6, "02:00:00")
    url = f"{WINDOWS}{body['id']}/"
    assert api(agent).patch(url, {"name": "x"}, format="json").status_code == 403
    assert api(agent).delete(url).status_code == 403
    response = api(change_manager).patch(url, {"end_time": "07:00"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    event = JournalEvent.objects.filter(event_type=EventType.CHANGE_WINDOW_UPDATED).get()
    assert event.actor == change_manager and set(event.changes) == {"end_time"}
    assert api(change_manager).delete(url).status_code == 204
    assert not ChangeWindow.objects.exists()


def test_a_bad_window_is_a_400_naming_the_field(api, change_manager, mail):
    response = api(change_manager).post(
        WINDOWS, {**WEEKLY, "time_zone": "Mars/Olympus", "weekday": 9}, format="json"
    )
    assert response.status_code == 400
    assert "weekday" in response.json()
    response = api(change_manager).post(
        WINDOWS, {**WEEKLY, "time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"time_zone"}
    once = {
        "kind": "blackout",
        "name": "Freeze",
        "all_services": True,
        "starts_at": "2026-12-20T00:00:00Z",
    }
    response = api(change_manager).post(WINDOWS, once, format="json")
    assert response.status_code == 400 and set(response.json()) == {"ends_at"}


def test_the_calendar_lists_booked_changes_and_window_occurrences(
    api, agent, requester, change_manager, mail
):
    on_mail = booked(agent, 9, 11, services_=[mail])
    other = booked(agent, 9, 11, services_=[make_service("Wiki")])
    do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Quarter close",
        all_services=True,
        starts_at=dt.datetime(2026, 3, 13, tzinfo=UTC),
        ends_at=dt.datetime(2026, 3, 14, tzinfo=UTC),
    )
    assert api(requester).get("/api/v1/change-calendar/").status_code == 403
    body = (
        api(agent)
        .get(
            "/api/v1/change-calendar/",
            {"start": "2026-03-09", "end": "2026-03-15", "service": "mail"},
        )
        .json()
    )
    assert body["start"] == "2026-03-09" and body["end"] == "2026-03-15"
    assert [c["number"] for c in body["changes"]] == [on_mail.number]
    assert body["changes"][0]["planned_start"] == "2026-03-09T09:00:00Z"
    assert body["changes"][0]["url"].endswith(f"/changes/{on_mail.number}/")
    assert body["windows"] == [
        {
            "window": ChangeWindow.objects.get().pk,
            "name": "Quarter close",
            "kind": "blackout",
            "start": "2026-03-13T00:00:00Z",
            "end": "2026-03-14T00:00:00Z",
        }
    ]
    everything = (
        api(agent)
        .get("/api/v1/change-calendar/", {"start": "2026-03-09", "end": "2026-03-09"})
        .json()
    )
    assert {c["number"] for c in everything["changes"]} == {on_mail.number, other.number}
    # Touching the range's end is outside it.
    assert (
        api(agent)
        .get("/api/v1/change-calendar/", {"start": "2026-03-10", "end": "2026-03-10"})
        .json()["changes"]
        == []
    )
    bad = api(agent).get("/api/v1/change-calendar/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert api(agent).get("/api/v1/change-calendar/", {"start": "March"}).status_code == 400


def test_conflicts_over_the_api_and_acknowledging_one(api, agent, requester, mail):
    mx = make_ci("mx-01")
    other = booked(agent, cis=[mx], services_=[])
    change = authorised_normal_change(agent, **window_at(10, 12), cis=[mx], services_=[])
    url = f"/api/v1/changes/{change.number}/conflicts/"
    assert api(requester).get(url).status_code == 403
    assert api(agent).get("/api/v1/changes/CHG9999999/conflicts/").status_code == 404
    body = api(agent).get(url).json()
    assert body["unacknowledged"] == 1
    [conflict] = body["conflicts"]
    assert conflict["key"] == f"booked:{other.number}"
    assert conflict["change"] == other.number and conflict["acknowledgement"] is None
    # A proposed window that touches the other change's end: nothing.
    assert (
        api(agent)
        .get(url, {"planned_start": "2026-03-09T11:00:00Z", "planned_end": "2026-03-09T12:00:00Z"})
        .json()["conflicts"]
        == []
    )
    assert api(agent).get(url, {"planned_start": "2026-03-09T11:00:00Z"}).status_code == 400
    ack_url = url + "acknowledge/"
    assert (
        api(requester).post(ack_url, {"conflict": conflict["key"], "reason": "x"}).status_code
        == 403
    )
    response = api(agent).post(ack_url, {"conflict": conflict["key"], "reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api(agent).post(ack_url, {"conflict": "booked:CHG1", "reason": "x"}, format="json")
    assert response.status_code == 400 and "conflict" in response.json()
    response = api(agent).post(
        ack_url, {"conflict": conflict["key"], "reason": "Agreed with the mail team"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["acknowledgement"]["by"] == agent.username
    body = api(agent).get(url).json()
    assert body["unacknowledged"] == 0
    assert body["conflicts"][0]["acknowledgement"]["reason"] == "Agreed with the mail team"
    assert ConflictAcknowledgement.objects.get().acknowledged_by == agent


def test_the_window_list_reads_a_constant_number_of_queries(api, agent, change_manager, mail):
    client = api(agent)
    names = iter(range(100))

    def add_rows():
        for _ in range(3):
            do_create_window(
                actor=change_manager,
                kind="maintenance",
                name=f"Mail window {next(names)}",
                recurrence="weekly",
                weekday=6,
                start_time=dt.time(2),
                end_time=dt.time(6),
                time_zone="UTC",
                services=[mail],
            )

    add_rows()
    assert_constant_queries(
        "changes", "calendar_api_windows", lambda: client.get(WINDOWS), add_rows
    )


def test_the_calendar_reads_a_constant_number_of_queries(api, agent, change_manager, mail):
    client = api(agent)
    hours = iter(range(20))

    def add_rows():
        for _ in range(3):
            start = next(hours)
            booked(agent, start, start + 0.5, services_=[mail])
        do_create_window(
            actor=change_manager,
            kind="blackout",
            name=f"Mail freeze {start}",
            starts_at=dt.datetime(2026, 3, 20, tzinfo=UTC),
            ends_at=dt.datetime(2026, 3, 21, tzinfo=UTC),
            services=[mail],
        )

    add_rows()
    assert_constant_queries(
        "changes",
        "calendar_api_calendar",
        lambda: client.get(
            "/api/v1/change-calendar/", {"start": "2026-03-01", "end": "2026-03-31"}
        ),
        add_rows,
    )
