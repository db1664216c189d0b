"""The change calendar's pages: month, week and list views with their filters, the window pages,
the change page's schedule panel and acknowledging a conflict there; who may do what."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes.models import ChangeWindow, ConflictAcknowledgement
from kaizen.changes.services.calendar import do_create_window
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import assert_constant_queries, make_ci, make_service, make_team, make_user

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MAR_9 = dt.datetime(2026, 3, 9, tzinfo=UTC)


def hours(day: dt.datetime, start: float, end: float) -> dict:
    return {
        "planned_start": day + dt.timedelta(hours=start),
        "planned_end": day + dt.timedelta(hours=end),
    }


def booked(actor, day=MAR_9, start=9, end=11, **fields):
    change = authorised_normal_change(actor, **hours(day, start, end), **fields)
    return move(change, "scheduled", actor, T0 + dt.timedelta(days=2))


@pytest.fixture
def cab_member(db):
    user = make_user("cami", first_name="Cami", last_name="Cab")
    people_services.do_grant_process_role(user, Process.CHANGE, Role.CAB_MEMBER, actor=None)
    return user


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"
    timezone.activate("UTC")
    yield
    timezone.deactivate()


CALENDAR_PAGES = [
    "/changes/calendar/?month=2026-03",
    "/changes/calendar/week/?week=2026-03-09",
    "/changes/calendar/list/?start=2026-03-01&end=2026-03-31",
    "/changes/calendar/windows/",
]


@pytest.mark.parametrize("url", CALENDAR_PAGES)
def test_it_shows_the_calendar_to_agents_and_cab_members_only(
    web, client, requester, agent, cab_member, url
):
    assert client.get(url).status_code == 302  # to the sign-in page
    assert web(requester).get(url).status_code == 403
    assert web(agent).get(url).status_code == 200
    assert web(cab_member).get(url).status_code == 200


def test_the_month_shows_a_few_changes_a_day_and_how_many_more(web, agent):
    mail = make_service("Mail")
    team = make_team("Mail team", members=[agent])
    for start in range(5):
        booked(agent, start=start * 2, end=start * 2 + 1, services_=[mail], assignment_group=team)
    page = web(agent).get("/changes/calendar/?month=2026-03").content.decode()
    assert 'data-day="2026-03-09" data-count="5"' in page
    assert "+2 more" in page
    assert 'href="/changes/calendar/list/?start=2026-03-09&amp;end=2026-03-09"' in page
    assert "00:00 CHG0000001" in page and "CHG0000004" not in page
    assert "5 changes booked" in page
    # Filtered by another team: none.
    other = make_team("Network team")
    page = web(agent).get(f"/changes/calendar/?month=2026-03&team={other.slug}").content.decode()
    assert "0 changes booked" in page


def test_the_filters_find_changes_by_service_directly_or_through_a_ci_and_by_ci(web, agent):
    mail, wiki = make_service("Mail"), make_service("Wiki")
    mx = make_ci("mx-01", services=[mail])
    on_mail = booked(agent, start=1, end=2, services_=[mail])
    on_mx = booked(agent, start=3, end=4, cis=[mx], services_=[])
    on_wiki = booked(agent, start=5, end=6, services_=[wiki])
    url = "/changes/calendar/list/?start=2026-03-09&end=2026-03-09"
    page = web(agent).get(url + "&service=mail").content.decode()
    assert on_mail.number in page and on_mx.number in page and on_wiki.number not in page
    page = web(agent).get(url + "&ci=MX-01").content.decode()
    assert on_mx.number in page and on_mail.number not in page
    week = web(agent).get("/changes/calendar/week/?week=2026-03-11&service=wiki").content.decode()
    assert on_wiki.number in week and on_mail.number not in week


def test_the_week_greys_the_windows_in_force(web, agent, change_manager):
    mail = make_service("Mail")
    do_create_window(
        actor=change_manager,
        kind="maintenance",
        name="Mail Sunday maintenance",
        recurrence="weekly",
        weekday=6,
        start_time=dt.time(2),
        end_time=dt.time(6),
        time_zone="UTC",
        services=[mail],
    )
    do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Quarter close",
        all_services=True,
        starts_at=dt.datetime(2026, 3, 13, tzinfo=UTC),
        ends_at=dt.datetime(2026, 3, 14, tzinfo=UTC),
    )
    page = web(agent).get("/changes/calendar/week/?week=2026-03-09").content.decode()
    assert "02:00–06:00 Mail Sunday maintenance" in page
    assert "kz-cal-blackout kz-cal-today" not in page
    days = {part[:10]: part for part in page.split('data-day="')[1:]}
    assert "Quarter close" in days["2026-03-13"]
    assert "Quarter close" not in days["2026-03-12"] + days["2026-03-14"]


def test_only_change_managers_and_admins_edit_windows(web, agent, change_manager, admin_user):
    form = {
        "kind": "blackout",
        "name": "Year-end freeze",
        "all_services": "on",
        "recurrence": "once",
        "starts_at": "2026-12-20T00:00",
        "ends_at": "2027-01-04T00:00",
        "time_zone": "UTC",
        "is_active": "on",
    }
    assert web(agent).get("/changes/calendar/windows/new/").status_code == 403
    assert web(agent).post("/changes/calendar/windows/new/", form).status_code == 403
    response = web(change_manager).post("/changes/calendar/windows/new/", form)
    assert response.status_code == 302
    window = ChangeWindow.objects.get()
    assert window.starts_at == dt.datetime(2026, 12, 20, tzinfo=UTC)
    # Agents read a window and its history; they cannot change or delete it.
    page = web(agent).get(f"/changes/calendar/windows/{window.pk}/").content.decode()
    assert "Year-end freeze" in page and "window-form" not in page and "Timeline" in page
    assert web(agent).post(f"/changes/calendar/windows/{window.pk}/", form).status_code == 403
    assert web(agent).post(f"/changes/calendar/windows/{window.pk}/delete/").status_code == 403
    edited = {**form, "name": "Holiday freeze"}
    assert (
        web(admin_user).post(f"/changes/calendar/windows/{window.pk}/", edited).status_code == 302
    )
    window.refresh_from_db()
    assert window.name == "Holiday freeze"
    assert web(admin_user).post(f"/changes/calendar/windows/{window.pk}/delete/").status_code == 302
    assert not ChangeWindow.objects.exists()


def test_a_window_form_names_the_wrong_field(web, change_manager):
    form = {"kind": "maintenance", "name": "Mail", "recurrence": "weekly", "time_zone": "UTC"}
    response = web(change_manager).post("/changes/calendar/windows/new/", form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"services", "weekday", "start_time", "end_time"}


def test_the_change_page_shows_conflicts_and_acknowledges_one(web, agent, requester):
    mx = make_ci("mx-01")
    other = booked(agent, cis=[mx], services_=[])
    change = authorised_normal_change(agent, **hours(MAR_9, 10, 12), cis=[mx], services_=[])
    page = web(agent).get(change.get_absolute_url()).content.decode()
    assert "Mon 9 Mar 2026, 10:00 to 12:00 (2 hours)" in page
    assert f'href="{other.get_absolute_url()}"' in page
    assert "both change mx-01" in page
    assert "1 to acknowledge" in page
    url = f"/changes/calendar/acknowledge/{change.number}/"
    assert (
        web(requester)
        .post(url, {"ack0-conflict": f"booked:{other.number}", "ack0-reason": "x"})
        .status_code
        == 403
    )
    response = web(agent).post(url, {"ack0-conflict": f"booked:{other.number}", "ack0-reason": ""})
    assert response.status_code == 302 and not ConflictAcknowledgement.objects.exists()
    response = web(agent).post(
        url, {"ack0-conflict": f"booked:{other.number}", "ack0-reason": "Different mailboxes"}
    )
    assert response.status_code == 302
    page = web(agent).get(change.get_absolute_url()).content.decode()
    assert "Acknowledged by Alan Agent" in page and "Different mailboxes" in page
    assert "to acknowledge" not in page


def test_the_panel_tries_another_window(web, agent):
    mx = make_ci("mx-01")
    booked(agent, cis=[mx], services_=[])
    change = authorised_normal_change(agent, **hours(MAR_9, 12, 13), cis=[mx], services_=[])
    page = web(agent).get(change.get_absolute_url()).content.decode()
    assert "No conflicts" in page
    tried = (
        web(agent)
        .get(change.get_absolute_url() + "?plan_start=2026-03-09T10:00&plan_end=2026-03-09T12:00")
        .content.decode()
    )
    assert "Trying" in tried and "both change mx-01" in tried
    assert 'name="ack0-planned_start" value="2026-03-09 10:00:00"' in tried
    # Acknowledged for the window tried, it holds once the change is given that window.
    response = web(agent).post(
        f"/changes/calendar/acknowledge/{change.number}/",
        {
            "ack0-conflict": "booked:CHG0000001",
            "ack0-reason": "Agreed",
            "ack0-planned_start": "2026-03-09 10:00:00",
            "ack0-planned_end": "2026-03-09 12:00:00",
        },
    )
    assert response["Location"].endswith(
        "?plan_start=2026-03-09T10%3A00&plan_end=2026-03-09T12%3A00#schedule"
    )
    ack = ConflictAcknowledgement.objects.get()
    assert (ack.planned_start, ack.planned_end) == (
        MAR_9 + dt.timedelta(hours=10),
        MAR_9 + dt.timedelta(hours=12),
    )


def test_the_calendar_pages_read_a_constant_number_of_queries(web, agent, change_manager):
    mail = make_service("Mail")
    client = web(agent)
    made = iter(range(20))

    def add_rows():
        for _ in range(3):
            start = next(made)
            booked(agent, start=start, end=start + 0.5, services_=[mail])
        # A blackout of Mail in May: read by the March pages, conflicting with nothing.
        do_create_window(
            actor=change_manager,
            kind="blackout",
            name=f"Mail freeze {start}",
            starts_at=dt.datetime(2026, 5, 1, tzinfo=UTC),
            ends_at=dt.datetime(2026, 5, 2, tzinfo=UTC),
            services=[mail],
        )

    add_rows()  # a window and changes from the start: an empty list reads no related rows
    for key, url in [
        ("calendar_month", "/changes/calendar/?month=2026-03&service=mail"),
        ("calendar_week", "/changes/calendar/week/?week=2026-03-09&service=mail"),
        ("calendar_list", "/changes/calendar/list/?start=2026-03-01&end=2026-03-31"),
        ("calendar_windows", "/changes/calendar/windows/"),
    ]:
        assert_constant_queries("changes", key, lambda url=url: client.get(url), add_rows)


def test_the_days_are_the_readers_local_days(web, agent):
    agent.time_zone = "Europe/London"
    agent.save(update_fields=["time_zone"])
    # 23:30-00:30 UTC on 1-2 July is 00:30-01:30 BST on 2 July only; 22:30-23:30 UTC on
    # 2 July is 23:30 BST on the 2nd.
    july_1 = dt.datetime(2026, 7, 1, tzinfo=UTC)
    late = booked(agent, day=july_1, start=23.5, end=24.5)
    page = web(agent).get("/changes/calendar/?month=2026-07").content.decode()
    days = {part[:10]: part for part in page.split('data-day="')[1:]}
    assert late.number not in days["2026-07-01"]
    assert late.number in days["2026-07-02"] and "00:30 " + late.number in days["2026-07-02"]
    assert 'data-day="2026-07-02" data-count="1"' in page
