"""/sla/calendars/: the list, a calendar's page with its calculator, and the form."""

import datetime as dt

import pytest

from kaizen.journal.events import EventType
from kaizen.people import services as people_services
from kaizen.sla import services
from kaizen.sla.models import BusinessCalendar
from kaizen.sla.selectors import upcoming_holidays
from kaizen.sla.tests.config_helpers import (
    assert_constant_queries,
    last_event,
    london,
    make_calendar,
    make_definition,
)

pytestmark = pytest.mark.django_db

LIST = "/sla/calendars/"
CREATE = "/sla/calendars/new/"
DETAIL = "/sla/calendars/uk-office-hours/"
EDIT = "/sla/calendars/uk-office-hours/edit/"


def rows(prefix: str, values: list[tuple], initial: int = 0) -> dict[str, str]:
    """A formset's POST data: the management form and one row per tuple."""
    names = {"periods": ("weekday", "start_time", "end_time"), "closures": ("date", "name")}
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(values)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(values):
        for name, value in zip(names[prefix], row, strict=False):
            data[f"{prefix}-{index}-{name}"] = value
        if len(row) > len(names[prefix]):
            data[f"{prefix}-{index}-DELETE"] = "on"
    return data


def calendar_data(periods=None, closures=None, **overrides) -> dict[str, str]:
    data = {
        "name": "Night desk",
        "slug": "night-desk",
        "description": "",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "holiday_subdivision": "by",
        **overrides,
    }
    weekly = [("0", "22:00", "00:00"), ("1", "00:00", "06:00"), ("", "", "")]
    data.update(rows("periods", weekly if periods is None else periods))
    data.update(rows("closures", closures or [("2026-12-31", "Silvester"), ("", "")]))
    return data


# -- who may see what -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client, office):
    for url in (LIST, DETAIL, CREATE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_the_list_and_hides_the_calendars_from_requesters(web, requester, office):
    client = web(requester)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.get(DETAIL).status_code == 404
    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, calendar_data()).status_code == 404


def test_it_lists_calendars_for_agents_with_their_weekly_hours(web, agent, office):
    make_calendar(
        "24x7",
        slug="24x7",
        time_zone="UTC",
        holiday_country="",
        holiday_subdivision="",
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
        closures=[],
    )
    make_calendar(
        "US desk",
        time_zone="America/New_York",
        holiday_country="US",
        holiday_subdivision="",
        periods=[
            (day, dt.time(*start), dt.time(*end))
            for day in range(5)
            for start, end in (((8,), (12,)), ((13,), (18,)))
        ],
    )
    response = web(agent).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mon–Fri 09:00–17:00 (40 h a week)" in page and "GB / ENG" in page
    assert "Every day all day (168 h a week)" in page
    assert "Mon–Fri 08:00–12:00, 13:00–18:00 (45 h a week)" in page
    assert "America/New_York" in page
    assert "New calendar" not in page


@pytest.mark.parametrize("persona", ["sla_manager", "sla_owner", "admin_user"])
def test_it_offers_the_new_calendar_button_to_service_level_leaders(request, web, persona, office):
    page = web(request.getfixturevalue(persona)).get(LIST).content.decode()
    assert f'href="{CREATE}"' in page


def test_it_searches_and_sorts(web, agent, office):
    make_calendar(
        "Berlin office", time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision=""
    )
    client = web(agent)
    names = [c.name for c in client.get(LIST, {"q": "berlin"}).context["object_list"]]
    assert names == ["Berlin office"]
    names = [c.name for c in client.get(LIST, {"holiday_country": "gb"}).context["object_list"]]
    assert names == ["UK office hours"]
    names = [c.name for c in client.get(LIST, {"sort": "-name"}).context["object_list"]]
    assert names == ["UK office hours", "Berlin office"]


def test_it_lists_in_a_constant_number_of_queries(web, agent, office):
    client = web(agent)

    def add_rows():
        for number in range(5):
            calendar = make_calendar(f"Calendar {number}")
            make_definition(calendar, name=f"Definition {number}")

    assert_constant_queries("calendar_list", lambda: client.get(LIST), add_rows)


# -- a calendar's page ------------------------------------------------------------------------


def test_it_shows_the_week_closures_holidays_definitions_and_timeline(web, agent, office):
    make_definition(office, name="P2 resolution")
    response = web(agent).get(DETAIL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>UK office hours</h1>" in page
    week = response.context["week"]
    assert [day["spans"] for day in week] == [[("09:00", "17:00")]] * 5 + [[], []]
    assert week[0]["bars"] == [{"left": 37.5, "width": 33.333, "label": "09:00–17:00"}]
    assert 'data-kz-left="37.500" data-kz-width="33.333"' in page
    assert "Christmas Eve" in page
    holidays = response.context["holidays"]
    assert len(holidays) == 10 and holidays[0][1] in page
    assert "P2 resolution" in page
    assert 'id="timeline"' in page and "Business calendar created" in page
    assert "/edit/" not in page  # Alan does not manage service levels


def test_it_lists_the_next_ten_public_holidays_of_the_region():
    calendar = make_calendar()
    holidays = upcoming_holidays(calendar, today=dt.date(2026, 4, 4))
    assert holidays[:3] == [
        (dt.date(2026, 4, 6), "Easter Monday"),
        (dt.date(2026, 5, 4), "May Day"),
        (dt.date(2026, 5, 25), "Spring Bank Holiday"),
    ]
    assert len(holidays) == 10
    scotland = make_calendar("Edinburgh", holiday_subdivision="SCT")
    days = [day for day, _ in upcoming_holidays(scotland, today=dt.date(2026, 7, 1))]
    assert dt.date(2026, 8, 3) in days  # the Scottish summer bank holiday
    no_country = make_calendar("Plain", holiday_country="", holiday_subdivision="")
    assert upcoming_holidays(no_country) == []


def test_it_calculates_when_business_minutes_run_out(web, agent, office):
    # Mon-Fri 09:00-17:00: an hour left on Friday, the second from 09:00 on Monday.
    response = web(agent).get(DETAIL, {"due-start": "2026-03-06T16:00", "due-minutes": "120"})
    assert response.context["due"] == london("2026-03-09 10:00")
    page = response.content.decode()
    # In the calendar's zone, whatever the reader's, with the exact instant as the tooltip.
    assert 'title="Mon 9 Mar 2026, 10:00:00 GMT">Mon 9 Mar 2026, 10:00</time></strong>' in page
    assert "(the calendar's time, Europe/London)" in page


def test_it_calculates_the_business_time_between_two_instants(web, agent, office):
    query = {"between-start": "2026-04-02T16:30", "between-end": "2026-04-07T09:15"}
    response = web(agent).get(DETAIL, query)
    # Thursday 16:30-17:00, Good Friday and Easter Monday closed, Tuesday 09:00-09:15.
    assert response.context["business_us"] == 45 * 60_000_000
    assert "<strong>45 min</strong>" in response.content.decode()


def test_it_reads_the_calculator_in_the_calendars_zone_not_the_users(web, agent, office):
    people_services.do_update_user(agent, actor=None, time_zone="Asia/Tokyo")
    response = web(agent).get(DETAIL, {"due-start": "2026-03-06T16:00", "due-minutes": "120"})
    assert response.context["due"] == london("2026-03-09 10:00")


def test_it_shows_calculator_errors_on_their_field(web, agent, office):
    query = {
        "due-start": "soon",
        "due-minutes": "-5",
        "between-start": "2026-03-09T10:00",
        "between-end": "2026-03-06T10:00",
    }
    response = web(agent).get(DETAIL, query)
    page = response.content.decode()
    for field in ("id_due-start_errors", "id_due-minutes_errors", "id_between-end_errors"):
        assert f'id="{field}"' in page
    assert "due" not in response.context and "business_us" not in response.context


def test_it_renders_a_calendar_page_in_a_constant_number_of_queries(web, agent, office):
    client = web(agent)

    def add_rows():
        for number in range(5):
            make_definition(office, name=f"Definition {number}")

    assert_constant_queries(
        "calendar_detail",
        lambda: client.get(DETAIL, {"due-start": "2026-03-06T16:00", "due-minutes": "120"}),
        add_rows,
    )


# -- creating and editing ---------------------------------------------------------------------


def test_it_starts_a_new_calendar_as_weekdays_nine_to_five(web, sla_manager):
    response = web(sla_manager).get(CREATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>New business calendar</h1>" in page and "Re-measure" not in page
    assert [form.initial for form in response.context["periods"].initial_forms] == [
        {"weekday": day, "start_time": dt.time(9), "end_time": dt.time(17)} for day in range(5)
    ]
    assert '<option value="Europe/London">Europe/London</option>' in page
    assert '<option value="GB">United Kingdom (GB)</option>' in page


@pytest.mark.parametrize("persona", ["agent", "sla_practitioner", "catalog_manager"])
def test_it_refuses_changes_by_anyone_but_service_level_leaders(request, web, persona, office):
    client = web(request.getfixturevalue(persona))
    for url in (CREATE, EDIT):
        assert client.get(url).status_code == 403
        assert client.post(url, calendar_data()).status_code == 403
    assert BusinessCalendar.objects.count() == 1


def test_it_creates_a_calendar_with_split_and_night_shifts_and_journals_it(web, sla_manager):
    response = web(sla_manager).post(CREATE, calendar_data())
    assert response.status_code == 302 and response["Location"] == "/sla/calendars/night-desk/"
    calendar = BusinessCalendar.objects.get(slug="night-desk")
    assert calendar.holiday_subdivision == "BY"  # typed in lower case
    assert [str(p) for p in calendar.periods.all()] == ["Monday 22:00-00:00", "Tuesday 00:00-06:00"]
    assert [str(c) for c in calendar.closures.all()] == ["2026-12-31 Silvester"]
    event = last_event(calendar)
    assert event.event_type == EventType.CALENDAR_CREATED and event.actor == sla_manager


@pytest.mark.parametrize(
    ("overrides", "error_id"),
    [
        ({"holiday_subdivision": "XX"}, "id_holiday_subdivision_errors"),
        ({"holiday_country": "", "holiday_subdivision": "BY"}, "id_holiday_subdivision_errors"),
        ({"holiday_country": "ZZ"}, "id_holiday_country_errors"),
        ({"time_zone": "Mars/Olympus_Mons"}, "id_time_zone_errors"),
        ({"slug": "uk-office-hours"}, "id_slug_errors"),
        ({"periods": [("0", "17:00", "09:00")]}, "id_periods-0-end_time_errors"),
        ({"periods": [("0", "", "09:00")]}, "id_periods-0-start_time_errors"),
        ({"periods": [("", "", "")]}, "periods_errors"),
        ({"periods": [("0", "09:00", "17:00", "delete")]}, "periods_errors"),
        (
            {"closures": [("2026-12-31", "Silvester"), ("2026-12-31", "Again")]},
            "id_closures-1-date_errors",
        ),
        ({"closures": [("2026-12-31", "")]}, "id_closures-0-name_errors"),
    ],
)
def test_it_shows_field_errors_and_keeps_what_was_typed(
    web, sla_manager, office, overrides, error_id
):
    response = web(sla_manager).post(CREATE, calendar_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="{error_id}"' in page, page
    assert 'value="Night desk"' in page
    assert BusinessCalendar.objects.count() == 1


def test_it_keeps_every_typed_row_on_error(web, sla_manager):
    data = calendar_data(name="")
    page = web(sla_manager).post(CREATE, data).content.decode()
    assert 'id="id_name_errors"' in page
    assert 'name="periods-0-start_time" value="22:00"' in page
    assert 'name="periods-1-end_time" value="06:00"' in page
    assert 'name="closures-0-name" value="Silvester"' in page


def test_it_edits_the_hours_and_asks_to_remeasure_history(web, sla_manager, office):
    client = web(sla_manager)
    page = client.get(EDIT).content.decode()
    assert "<h1>Edit UK office hours</h1>" in page and "Re-measure history since" in page
    assert 'name="periods-4-end_time" value="17:00"' in page
    periods = [(str(day), "09:00", "17:00") for day in range(4)]
    periods += [("4", "09:00", "12:00"), ("4", "13:00", "16:00"), ("", "", "")]
    data = calendar_data(
        name="UK office hours",
        slug="uk-office-hours",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        periods=periods,
        closures=[("2026-12-24", "Christmas Eve", "delete")],
        remeasure_since="2026-03-01",
        version=1,
    )
    data.update({"periods-INITIAL_FORMS": "5", "closures-INITIAL_FORMS": "1"})
    response = client.post(EDIT, data)
    assert response.status_code == 302, response.content.decode()
    office.refresh_from_db()
    assert office.periods.filter(weekday=4).count() == 2 and not office.closures.exists()
    event = last_event(office)
    assert event.event_type == EventType.CALENDAR_UPDATED
    assert set(event.changes) == {"periods", "closures"}
    assert event.data == {"remeasure_since": "2026-03-01T00:00:00+00:00"}


def test_it_shows_who_changed_the_calendar_meanwhile_and_keeps_the_input(web, sla_manager, office):
    services.do_update_calendar(office, actor=None, expected_version=1, description="London")
    data = calendar_data(
        name="UK office hours",
        slug="uk-office-hours",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        description="The London office",
        version=1,
    )
    response = web(sla_manager).post(EDIT, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "UK office hours was changed by the system at " in page
    assert "(version 2, you had version 1). Your change was not saved" in page
    assert "The London office</textarea>" in page and 'name="version" value="2"' in page
    office.refresh_from_db()
    assert office.description == "London" and office.periods.count() == 5
