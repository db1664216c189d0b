"""/imports/new/<token>/start/: the upload becomes a run, imported by the task queue."""

import pytest
from django.core.files.storage import default_storage

from kaizen.imports.models import ImportRun, RowError, RunStatus
from kaizen.imports.tests.view_helpers import (
    BAD_STATE_LINE,
    NEW,
    SERVICENOW_ROWS,
    as_upload,
    make_incident_manager,
)
from kaizen.imports.views import PENDING
from kaizen.incidents.models import Incident, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(web, small_log):
    """`waiting(user)`: the user's client with the small ServiceNow log uploaded, and the
    start URL."""

    def upload(user) -> tuple:
        client = web(user)
        path = small_log(SERVICENOW_ROWS)
        response = client.post(NEW, {"kind": "servicenow-eventlog", "file": as_upload(path)})
        return client, f"{response['Location']}start/"

    return upload


def test_it_creates_the_run_and_imports_it_in_the_task_queue(
    waiting, django_capture_on_commit_callbacks
):
    manager = make_incident_manager()
    client, url = waiting(manager)
    stored = client.session[PENDING]["stored_name"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)

    run = ImportRun.objects.get()
    assert len(callbacks) == 1  # the task is queued once the run is committed
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    assert run.started_by == manager
    assert run.upload.name == stored and default_storage.exists(stored)
    assert run.status == RunStatus.FINISHED
    assert (run.rows_read, run.records_created, run.rows_rejected) == (5, 2, 1)
    assert Incident.objects.get(number="INC0000001").state == State.RESOLVED
    assert RowError.objects.get(run=run).row_number == BAD_STATE_LINE
    assert PENDING not in client.session


def test_it_queues_the_import_after_the_run_is_committed(waiting, admin_user):
    client, url = waiting(admin_user)
    client.post(url)  # inside the test's transaction: nothing is committed, so nothing runs
    assert ImportRun.objects.get().status == RunStatus.QUEUED


def test_it_starts_an_upload_only_once(waiting, admin_user):
    client, url = waiting(admin_user)
    client.post(url)
    assert client.post(url).status_code == 404
    assert ImportRun.objects.count() == 1


def test_it_is_a_post(waiting, admin_user):
    client, url = waiting(admin_user)
    assert client.get(url).status_code == 405


def test_it_forbids_someone_who_lost_the_right_to_import(waiting, admin_user):
    client, url = waiting(admin_user)
    admin_user.is_superuser = False
    admin_user.save()
    assert client.post(url).status_code == 403
    assert not ImportRun.objects.exists()
