"""/imports/: the runs, for administrators and incident managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.core.context_processors import navigation
from kaizen.imports.models import RunStatus
from kaizen.imports.tests.view_helpers import (
    LIST,
    assert_constant_queries,
    make_incident_manager,
    make_run,
)

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters_and_agents_without_incident_leadership(web, requester, agent):
    assert web(requester).get(LIST).status_code == 403
    assert web(agent).get(LIST).status_code == 403


def test_it_lists_runs_with_their_figures_for_admins(web, admin_user):
    make_run(actor=admin_user, rows_read=141712, records_created=24918, rows_rejected=5)
    page = web(admin_user).get(LIST).content.decode()

    assert "incident_event_log.zip" in page
    assert "ServiceNow incident event log" in page
    assert "Finished" in page and "text-bg-success" in page
    assert "24918" in page and "141712 rows read" in page
    assert 'class="text-danger">5<' in page
    assert "Ada Admin" in page


def test_it_opens_for_incident_managers(web):
    assert web(make_incident_manager()).get(LIST).status_code == 200


def test_it_says_who_started_a_run_or_that_the_command_line_did(web, admin_user):
    make_run(actor=None)
    assert "command line" in web(admin_user).get(LIST).content.decode()


def test_it_filters_by_status(web, admin_user):
    make_run(status=RunStatus.FAILED, rows_read=7)
    make_run(status=RunStatus.FINISHED, rows_read=9)
    runs = web(admin_user).get(LIST, {"status": "failed"}).context["object_list"]
    assert [run.rows_read for run in runs] == [7]


def test_it_shows_a_run_whose_worker_died_as_interrupted(web, admin_user):
    run = make_run(status=RunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=10))
    web(admin_user).get(LIST)
    run.refresh_from_db()
    assert run.status == RunStatus.INTERRUPTED


def test_it_shows_imports_in_the_navigation_only_to_importers(rf, admin_user, agent):
    def labels(user) -> list[str]:
        request = rf.get(LIST)
        request.user = user
        return [item["label"] for item in navigation(request)["nav_items"]]

    assert "Imports" in labels(admin_user)
    assert "Imports" in labels(make_incident_manager())
    assert "Imports" not in labels(agent)


def test_it_lists_in_a_constant_number_of_queries(web, admin_user):
    client = web(admin_user)
    make_run(actor=admin_user)

    def add_rows():
        for number in range(5):
            make_run(actor=make_incident_manager(f"manager{number}"), errors=2)

    assert_constant_queries("run_list", lambda: client.get(LIST), add_rows)
