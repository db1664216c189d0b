"""/imports/<id>/progress.json: what the run page's progress bar polls."""

import pytest
from django.utils import timezone

from kaizen.imports.models import RunStatus
from kaizen.imports.tests.view_helpers import make_incident_manager, make_run

pytestmark = pytest.mark.django_db


def url(run) -> str:
    return f"/imports/{run.pk}/progress.json"


def test_it_reports_the_figures_of_a_running_run(web):
    run = make_run(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        bytes_total=2000,
        bytes_read=500,
        rows_read=1000,
        records_created=180,
        rows_rejected=2,
        events_written=900,
    )
    response = web(make_incident_manager()).get(url(run))
    body = response.json()

    assert response["Content-Type"] == "application/json"
    assert body["status"] == "running" and body["status_label"] == "Running"
    assert body["active"] is True
    assert body["percent_done"] == 25
    assert (body["rows_read"], body["records_created"], body["rows_rejected"]) == (1000, 180, 2)
    assert body["events_written"] == 900
    assert body["seconds"] >= 0


def test_it_says_when_a_run_is_over(web, admin_user):
    body = web(admin_user).get(url(make_run(status=RunStatus.FINISHED))).json()
    assert body["active"] is False and body["percent_done"] == 100


def test_it_forbids_requesters_and_plain_agents(web, requester, agent):
    run = make_run()
    for user in (requester, agent):
        assert web(user).get(url(run)).status_code == 403
