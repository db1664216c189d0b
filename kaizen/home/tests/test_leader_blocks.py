"""The incident process owner's and manager's home: KPIs off target with their trend, SLA
attainment this month, the services with the most breached incidents."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.home.tests.helpers import (
    block,
    figures,
    last_month,
    listed_count,
    measure,
    month_before_last,
    open_incident,
    set_sla,
    stopped_clock,
    this_month,
)
from kaizen.incidents.selectors import month_start
from kaizen.incidents.tests.helpers import move
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import PASSWORD, make_service, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    """Mia: incident manager (an agent in no team)."""
    user = make_user("mia", first_name="Mia", last_name="Manager")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def kpis():
    """Four incident KPIs measured last month, the latest finished one the scorecard judges
    (three with the month before too); this month, unfinished, is not judged."""
    measure("incident.resolution_hours_mean", month_before_last(), 30)  # target 16, warning 24
    measure("incident.resolution_hours_mean", last_month(), 26)  # red, better than before
    measure("incident.resolution_hours_median", month_before_last(), 9)  # target 8, warning 16
    measure("incident.resolution_hours_median", last_month(), 12)  # amber, worse
    measure("incident.sla_met_pct", month_before_last(), 80)  # target 95, higher is better
    measure("incident.sla_met_pct", last_month(), 97)  # green: not listed
    measure("incident.first_response_hours_median", last_month(), 3)  # red, no month before
    measure("incident.first_response_hours_median", this_month(), 0.1)  # so far: not judged


def test_it_lists_the_process_kpis_off_target_with_their_trend(client, manager, kpis):
    client.login(username="mia", password=PASSWORD)
    shown = block(client.get("/"), "process-kpis")
    assert shown.role == "Incident manager"
    assert figures(shown) == {"Off target": 2, "Warning": 1}
    assert [(row.text, row.badge, row.detail) for row in shown.rows] == [
        (
            "Mean time to resolve (MTTR)",
            "Off target",
            "26 h against a target of 16 h; better than the month before",
        ),
        (
            "Median time to first response",
            "Off target",
            "3 h against a target of 0.5 h; no earlier month to compare",
        ),
        (
            "Median time to resolve",
            "Warning",
            "12 h against a target of 8 h; worse than the month before",
        ),
    ]


@pytest.fixture
def clocks():
    """Clocks of incidents: stopped this month (met, breached), last month, running, cancelled."""
    definition = do_create_sla_definition(
        actor=None,
        name="P1 resolution",
        kind="resolution",
        target_minutes=240,
        priorities=[1],
        calendar=office_calendar(),
    )
    now = timezone.now()
    earlier = month_start() - dt.timedelta(days=2)
    i1, i2, i3, i4 = (open_incident() for _ in range(4))
    stopped_clock(i1, definition, "met", sequence=1, stopped_at=now, kind="response")
    stopped_clock(i1, definition, "breached", sequence=2, stopped_at=now)
    stopped_clock(i2, definition, "met", sequence=1, stopped_at=earlier, kind="response")
    stopped_clock(i2, definition, "met", sequence=2, stopped_at=now)
    stopped_clock(i3, definition, "running", sequence=1, stopped_at=None)
    stopped_clock(i4, definition, "cancelled", sequence=1, stopped_at=now)
    return {"i1": i1, "i2": i2}


def test_it_shows_sla_attainment_this_month_in_clocks(client, manager, clocks):
    client.login(username="mia", password=PASSWORD)
    shown = block(client.get("/"), "process-sla")
    assert figures(shown) == {"Attained": "67 %", "Clocks met": 2, "Clocks breached": 1}
    by_label = {figure.label: figure for figure in shown.figures}
    # The lists show the incidents behind the clocks: i1 and i2 met one, i1 breached one.
    assert listed_count(client, by_label["Clocks met"].url) == 2
    assert listed_count(client, by_label["Clocks breached"].url) == 1


def test_it_names_the_services_with_the_most_open_breached_incidents(client, manager):
    mail, vpn = make_service("Mail", slug="mail"), make_service("VPN", slug="vpn")
    breached = [open_incident(service=mail), open_incident(service=mail)]
    breached += [open_incident(service=vpn), open_incident()]  # the last: no service
    closed = open_incident(service=vpn)
    move(closed, "in_progress", "resolved")
    fine = open_incident(service=vpn)
    for incident in [*breached, closed]:
        set_sla(incident, "breached", -dt.timedelta(hours=1))
    set_sla(fine, "ok", dt.timedelta(hours=9))
    client.login(username="mia", password=PASSWORD)
    shown = block(client.get("/"), "process-services")
    assert [(row.text, row.badge) for row in shown.rows] == [("Mail", "2"), ("VPN", "1")]
    assert listed_count(client, shown.rows[0].url) == 2
    assert listed_count(client, shown.rows[1].url) == 1


def test_it_says_plainly_when_the_process_has_nothing_to_show(client, manager):
    client.login(username="mia", password=PASSWORD)
    response = client.get("/")
    page = response.content.decode()
    assert "No incident KPI has a measured value and a target yet." in page
    assert "No incident SLA clock has stopped this month yet." in page
    assert "No open incident of any service has breached its SLA." in page
    for key in ("process-kpis", "process-sla", "process-services"):
        assert block(response, key).empty


def test_a_practitioner_does_not_get_the_process_blocks(client, agent):
    client.login(username="alan", password=PASSWORD)
    keys = {b.key for b in client.get("/").context["blocks"]}
    assert not {"process-kpis", "process-sla", "process-services"} & keys
