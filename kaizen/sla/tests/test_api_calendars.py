"""/api/v1/calendars/: business calendars and their business-time calculator."""

import pytest
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.people.services import do_create_api_token
from kaizen.sla.models import BusinessCalendar
from kaizen.sla.tests.config_helpers import (
    assert_constant_queries,
    last_event,
    make_calendar,
    make_definition,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendars/"
OFFICE = f"{URL}uk-office-hours/"
CALCULATOR = f"{OFFICE}business-time/"


def calendar_body(**overrides) -> dict:
    return {
        "name": "Night desk",
        "slug": "night-desk",
        "time_zone": "Europe/Berlin",
        "holiday_country": "de",
        "holiday_subdivision": "by",
        "periods": [
            {"weekday": 0, "start_time": "22:00", "end_time": "00:00"},
            {"weekday": 1, "start_time": "00:00", "end_time": "06:00"},
        ],
        "closures": [{"date": "2026-12-31", "name": "Silvester"}],
        **overrides,
    }


# -- who may do what --------------------------------------------------------------------------


def test_it_answers_401_without_credentials(office):
    for response in (
        APIClient().get(URL),
        APIClient().get(OFFICE),
        APIClient().post(URL, calendar_body()),
        APIClient().post(CALCULATOR, {"start": "2026-03-06T16:00", "minutes": 1}),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_forbids_the_list_and_hides_calendars_from_requesters(api, requester, office):
    client = api(requester)
    assert client.get(URL).status_code == 403
    assert client.get(OFFICE).status_code == 404
    assert client.patch(OFFICE, {"name": "Mine"}).status_code == 404
    assert client.post(CALCULATOR, {"start": "2026-03-06T16:00", "minutes": 1}).status_code == 404
    assert client.post(URL, calendar_body()).status_code == 403


def test_it_accepts_a_real_bearer_token(agent, office):
    _, secret = do_create_api_token(agent, "integration", actor=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [row["slug"] for row in client.get(URL).json()["results"]] == ["uk-office-hours"]


def test_it_shows_agents_a_calendar_with_its_periods_and_closures(api, agent, office):
    body = api(agent).get(OFFICE).json()
    assert body["name"] == "UK office hours" and body["time_zone"] == "Europe/London"
    assert body["holiday_country"] == "GB" and body["holiday_subdivision"] == "ENG"
    assert body["periods"][0] == {"weekday": 0, "start_time": "09:00", "end_time": "17:00"}
    assert len(body["periods"]) == 5
    assert body["closures"] == [{"date": "2026-12-24", "name": "Christmas Eve"}]
    assert body["weekly_hours"] == "Mon–Fri 09:00–17:00 (40 h a week)"
    assert "remeasure" not in body and "remeasure_since" not in body


def test_it_filters_and_orders(api, agent, office):
    make_calendar("24x7", time_zone="UTC", holiday_country="", holiday_subdivision="")
    client = api(agent)

    def slugs(**query):
        return [row["slug"] for row in client.get(URL, query).json()["results"]]

    assert slugs() == ["24x7", "uk-office-hours"]
    assert slugs(ordering="-name") == ["uk-office-hours", "24x7"]
    assert slugs(q="london") == ["uk-office-hours"]
    assert slugs(holiday_country="gb") == ["uk-office-hours"]


def test_it_lists_in_a_constant_number_of_queries(api, agent, office):
    client = api(agent)

    def add_rows():
        for number in range(5):
            make_definition(make_calendar(f"Calendar {number}"), name=f"D{number}")

    assert_constant_queries("api_calendar_list", lambda: client.get(URL), add_rows)


# -- creating and changing --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sla_manager", "sla_owner", "admin_user"])
def test_it_lets_service_level_leaders_create_a_calendar(request, api, persona):
    creator = request.getfixturevalue(persona)
    response = api(creator).post(URL, calendar_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["holiday_country"] == "DE" and body["holiday_subdivision"] == "BY"
    assert body["periods"] == calendar_body()["periods"]
    assert body["weekly_hours"] == "Mon 22:00–24:00; Tue 00:00–06:00 (8 h a week)"
    calendar = BusinessCalendar.objects.get(slug="night-desk")
    event = last_event(calendar)
    assert event.event_type == EventType.CALENDAR_CREATED and event.actor == creator
    assert event.changes["periods"]["new"] == ["Mon 22:00-00:00", "Tue 00:00-06:00"]


@pytest.mark.parametrize("persona", ["agent", "sla_practitioner", "catalog_manager"])
def test_it_refuses_changes_by_anyone_else(request, api, persona, office):
    client = api(request.getfixturevalue(persona))
    assert client.post(URL, calendar_body()).status_code == 403
    assert client.patch(OFFICE, {"name": "Mine"}).status_code == 403
    assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["UK office hours"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, {"time_zone"}),
        ({"holiday_country": "XX"}, {"holiday_country"}),
        ({"holiday_subdivision": "XX"}, {"holiday_subdivision"}),
        ({"holiday_country": "", "holiday_subdivision": "BY"}, {"holiday_subdivision"}),
        ({"slug": "uk-office-hours"}, {"slug"}),
        ({"name": "UK office hours"}, {"name"}),
        ({"periods": []}, {"periods"}),
        ({"periods": [{"weekday": 7, "start_time": "09:00", "end_time": "17:00"}]}, {"periods"}),
        (
            {
                "closures": [
                    {"date": "2026-12-31", "name": "a"},
                    {"date": "2026-12-31", "name": "b"},
                ]
            },
            {"closures"},
        ),
    ],
)
def test_it_answers_400_naming_the_field(api, sla_manager, office, overrides, expected):
    response = api(sla_manager).post(URL, calendar_body(**overrides))
    assert response.status_code == 400
    assert set(response.json()) == expected
    assert BusinessCalendar.objects.count() == 1


def test_it_names_the_period_field_that_is_wrong(api, sla_manager):
    periods = [
        {"weekday": 0, "start_time": "09:00", "end_time": "17:00"},
        {"weekday": 1, "start_time": "17:00", "end_time": "09:00"},
    ]
    response = api(sla_manager).post(URL, calendar_body(periods=periods))
    assert response.status_code == 400
    assert response.json() == {
        "periods": {"1": {"end_time": ["must be after the start (00:00 means midnight)"]}}
    }


def test_it_updates_periods_and_closures_and_asks_to_remeasure(api, sla_manager, office):
    periods = [{"weekday": day, "start_time": "08:00", "end_time": "18:00"} for day in range(5)]
    body = {
        "periods": periods,
        "closures": [],
        "remeasure": True,
        "remeasure_since": None,
        "version": 1,
    }
    response = api(sla_manager).patch(OFFICE, body)
    assert response.status_code == 200, response.json()
    assert response.json()["weekly_hours"] == "Mon–Fri 08:00–18:00 (50 h a week)"
    assert response.json()["closures"] == []
    event = last_event(office)
    assert event.event_type == EventType.CALENDAR_UPDATED
    assert set(event.changes) == {"periods", "closures"}
    assert event.data == {"remeasure_since": None}  # all of history


def test_it_patches_one_field_and_leaves_the_periods_alone(api, sla_manager, office):
    response = api(sla_manager).patch(OFFICE, {"description": "London", "version": 1})
    assert response.status_code == 200, response.json()
    assert len(response.json()["periods"]) == 5
    assert last_event(office).changes == {"description": {"old": "", "new": "London"}}
    assert last_event(office).data == {}


def test_it_replaces_a_calendar_with_put(api, admin_user, office):
    body = calendar_body(name="UK office hours", slug="uk-office-hours", version=1)
    response = api(admin_user).put(OFFICE, body)
    assert response.status_code == 200, response.json()
    office.refresh_from_db()
    assert office.time_zone == "Europe/Berlin" and office.periods.count() == 2


def test_it_has_no_delete(api, admin_user, office):
    assert api(admin_user).delete(OFFICE).status_code == 405


# -- the calculator ---------------------------------------------------------------------------


def test_it_finds_when_business_minutes_run_out(api, agent, office):
    # Mon-Fri 09:00-17:00 London: an hour left on Friday, the second from 09:00 on Monday.
    response = api(agent).post(CALCULATOR, {"start": "2026-03-06T16:00:00Z", "minutes": 120})
    assert response.status_code == 200, response.json()
    assert response.json() == {"due": "2026-03-09T10:00:00Z"}


def test_it_reads_and_answers_in_the_calendars_zone_in_summer(api, agent, office):
    # 16:00 local (BST, UTC+1) on a Friday in June.
    response = api(agent).post(CALCULATOR, {"start": "2026-06-05T16:00", "minutes": 120})
    assert response.json() == {"due": "2026-06-08T10:00:00+01:00"}


def test_it_measures_business_time_between_two_instants(api, agent, office):
    body = {"start": "2026-03-06T16:00:00Z", "end": "2026-03-09T10:00:00Z"}
    assert api(agent).post(CALCULATOR, body).json() == {"business_seconds": 7200.0}
    # Thursday 16:30-17:00, Good Friday and Easter Monday closed, Tuesday 09:00-09:15.
    body = {"start": "2026-04-02T16:30+01:00", "end": "2026-04-07T09:15+01:00"}
    assert api(agent).post(CALCULATOR, body).json() == {"business_seconds": 2700.0}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"start": "2026-03-06T16:00Z"}, {"end", "minutes"}),
        (
            {"start": "2026-03-06T16:00Z", "end": "2026-03-09T10:00Z", "minutes": 5},
            {"end", "minutes"},
        ),
        ({"start": "2026-03-09T10:00Z", "end": "2026-03-06T16:00Z"}, {"end"}),
        ({"start": "soon", "minutes": 5}, {"start"}),
        ({"start": "2026-03-06T16:00Z", "minutes": -1}, {"minutes"}),
        ({"minutes": 5}, {"start"}),
    ],
)
def test_it_answers_400_naming_the_calculator_field(api, agent, office, body, fields):
    response = api(agent).post(CALCULATOR, body)
    assert response.status_code == 400
    assert set(response.json()) == fields
