"""The service level manager's home: the services below their availability target this month
(worst first), outages going on now and proposals waiting; each count equals the list its
link opens."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kaizen.availability import services
from kaizen.home.tests.helpers import block, figures, listed_count
from kaizen.people.services import do_grant_process_role
from kaizen.sla.tests.config_helpers import make_calendar
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db


def round_the_clock():
    return make_calendar(
        "Round the clock",
        time_zone="UTC",
        holiday_country="",
        holiday_subdivision="",
        closures=[],
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
    )


def test_the_service_level_manager_sees_the_services_below_target(web):
    sam = make_user("sam", first_name="Sam", last_name="Level")
    do_grant_process_role(sam, process="service_level", role="manager", actor=None)
    hours = round_the_clock()
    now = timezone.now()
    started = max(
        now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), now - dt.timedelta(hours=6)
    )
    mail, web_service, wiki = make_service("Mail"), make_service("Web"), make_service("Wiki")
    for service in (mail, web_service, wiki):
        services.do_set_availability_target(
            service,
            actor=None,
            valid_from=(now - dt.timedelta(days=60)).date(),
            target_percent=Decimal("99.999"),
            calendar=hours,
        )
    # Mail lost a minute, Web is down since; Wiki had nothing.
    services.do_record_outage(
        actor=sam,
        service=mail,
        kind="unplanned",
        started_at=started,
        ended_at=started + dt.timedelta(minutes=1),
        title="Mail blip",
    )
    services.do_record_outage(
        actor=sam, service=web_service, kind="unplanned", started_at=started, title="Web down"
    )
    services.do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:x:1",
        service=wiki,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=5),
        title="Wiki maybe down",
    )
    client = web(sam)
    shown = block(client.get("/"), "availability-month")
    counts = figures(shown)
    assert counts == {
        "Services below their target": 2,
        "Outages going on now": 1,
        "Waiting for confirmation": 1,
    }
    links = {figure.label: figure.url for figure in shown.figures}
    assert listed_count(client, links["Outages going on now"]) == 1
    assert listed_count(client, links["Waiting for confirmation"]) == 1
    # Worst first: Web (down for hours) before Mail (a minute).
    assert [row.text for row in shown.rows] == ["Web", "Mail"]
    assert shown.rows[0].url == "/availability/services/web/"


def test_others_do_not_see_it(web, agent):
    keys = {b.key for b in web(agent).get("/").context["blocks"]}
    assert "availability-month" not in keys
