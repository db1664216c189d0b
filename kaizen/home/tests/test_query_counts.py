"""Each role's home answers in the same number of queries however many records its blocks
count (no N+1): the baselines are in query_counts.json."""

import datetime as dt
from functools import partial
from itertools import count

import pytest
from django.utils import timezone

from kaizen.analytics.store import connect
from kaizen.core.heartbeats import SLA_SCAN, record_heartbeat
from kaizen.home.tests.helpers import (
    caller,
    comment,
    measure,
    open_incident,
    set_sla,
    stopped_clock,
    this_month,
)
from kaizen.imports.models import ImportRun, RunStatus
from kaizen.improvement.tests.helpers import make_initiative
from kaizen.improvement.tests.test_opportunity_views import make_opportunity
from kaizen.notifications.models import Notification
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import PASSWORD, assert_constant_queries, make_service, make_team, make_user

pytestmark = pytest.mark.django_db

assert_home_queries = partial(assert_constant_queries, "home")
_n = count(1)


def _home(client, username):
    client.login(username=username, password=PASSWORD)
    return lambda: client.get("/")


def test_an_agents_home(client, agent):
    team = make_team("Desk", slug="desk", members=[agent])

    def add_rows():
        for hours in (-1, 1, 9):
            who = caller()
            incident = open_incident(who, assignment_group=team, assignee=agent)
            comment(incident, who)
            set_sla(incident, "ok" if hours > 0 else "breached", dt.timedelta(hours=hours))
            unassigned = open_incident(assignment_group=team)
            set_sla(unassigned, "warning", dt.timedelta(hours=hours))

    add_rows()
    assert_home_queries("agent", _home(client, "alan"), add_rows)


def test_an_incident_managers_home(client):
    manager = make_user("mia")
    people_services.do_grant_process_role(manager, Process.INCIDENT, Role.MANAGER, actor=None)
    definition = do_create_sla_definition(
        actor=None,
        name="P1",
        kind="resolution",
        target_minutes=60,
        priorities=[1],
        calendar=office_calendar(),
    )

    def add_rows():
        service = make_service(f"Service {next(_n)}")
        for state in ("met", "breached"):
            incident = open_incident(service=service)
            set_sla(incident, "breached", -dt.timedelta(hours=1))
            stopped_clock(incident, definition, state, sequence=1, stopped_at=timezone.now())

    measure("incident.resolution_hours_mean", this_month(), 40)
    add_rows()
    assert_home_queries("incident_manager", _home(client, "mia"), add_rows)


def test_a_csi_managers_home(client):
    iris = make_user("iris")
    people_services.do_grant_process_role(iris, Process.IMPROVEMENT, Role.MANAGER, actor=None)

    def add_rows():
        for _ in range(2):
            make_initiative(owner=iris)
            make_opportunity(strength=next(_n))

    add_rows()
    assert_home_queries("csi_manager", _home(client, "iris"), add_rows)


def test_a_requesters_home(client, requester):
    def add_rows():
        for _ in range(3):
            open_incident(requester, actor=requester)
            make_service(f"Service {next(_n)}")

    add_rows()
    assert_home_queries("requester", _home(client, "rita"), add_rows)


def test_an_administrators_home(client, admin_user, settings):
    settings.TASK_QUEUE = "sqlite"
    record_heartbeat(SLA_SCAN)
    with connect():  # the store exists (its state is read): the same queries on every run
        pass
    common = {"address": "x@example.com", "category": "incident", "subject": "S", "text": "T"}

    def add_rows():
        for _ in range(3):
            Notification.objects.create(
                attempts=settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS, **common
            )
            ImportRun.objects.create(
                kind="tickets-csv",
                source_name="t.csv",
                status=RunStatus.RUNNING,
                heartbeat_at=timezone.now(),
            )

    add_rows()
    assert_home_queries("administrator", _home(client, "ada"), add_rows)


def test_a_change_managers_home(client):
    from kaizen.changes import services as change_services
    from kaizen.changes.tests.cab_helpers import make_cab_member
    from kaizen.changes.tests.factories import complete_fields

    chen = make_user("chen")
    people_services.do_grant_process_role(chen, Process.CHANGE, Role.MANAGER, actor=None)
    people_services.do_grant_process_role(chen, Process.CHANGE, Role.CAB_MEMBER, actor=None)
    make_cab_member("ann")

    def add_rows():
        for _ in range(2):
            change = change_services.do_raise_change(
                actor=None,
                requester=make_user(f"req{next(_n)}"),
                services=[make_service(f"Service {next(_n)}")],
                **complete_fields(impact=1),
            )
            for state in ("assess", "authorise"):
                change_services.do_move_change(change, state, actor=None, expected_version=None)

    add_rows()
    assert_home_queries("change_manager", _home(client, "chen"), add_rows)
