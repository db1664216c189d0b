"""/imports/<id>/again/: import an interrupted or failed web import's file again."""

import pytest
from django.core.files.base import ContentFile

from kaizen.imports.models import ImportRun, RunStatus
from kaizen.imports.tests.view_helpers import SERVICENOW_ROWS, make_run
from kaizen.incidents.models import Incident

pytestmark = pytest.mark.django_db


def interrupted_upload(small_log) -> ImportRun:
    run = make_run(status=RunStatus.INTERRUPTED)
    run.upload.save("sn.csv", ContentFile(small_log(SERVICENOW_ROWS).read_bytes()))
    return run


def test_it_imports_the_same_file_in_a_new_run(
    web, admin_user, small_log, django_capture_on_commit_callbacks
):
    old = interrupted_upload(small_log)
    with django_capture_on_commit_callbacks(execute=True):
        response = web(admin_user).post(f"/imports/{old.pk}/again/")

    new = ImportRun.objects.exclude(pk=old.pk).get()
    assert response["Location"] == f"/imports/{new.pk}/"
    assert (new.kind, new.source_name, new.upload.name) == (
        old.kind,
        old.source_name,
        old.upload.name,
    )
    assert new.started_by == admin_user and new.status == RunStatus.FINISHED
    assert Incident.objects.count() == 2


def test_it_offers_the_button_only_for_stopped_web_imports(web, admin_user, small_log):
    client = web(admin_user)
    stopped = interrupted_upload(small_log)
    assert "Run again" in client.get(f"/imports/{stopped.pk}/").content.decode()
    finished = make_run(status=RunStatus.FINISHED)
    assert "Run again" not in client.get(f"/imports/{finished.pk}/").content.decode()


def test_it_refuses_a_finished_run_or_one_from_the_command_line(web, admin_user):
    client = web(admin_user)
    for run in (make_run(status=RunStatus.FINISHED), make_run(status=RunStatus.FAILED)):
        response = client.post(f"/imports/{run.pk}/again/", follow=True)
        assert "Only an interrupted or failed web import" in response.content.decode()
    assert ImportRun.objects.count() == 2


def test_it_forbids_requesters_and_plain_agents(web, requester, agent, small_log):
    run = interrupted_upload(small_log)
    for user in (requester, agent):
        assert web(user).post(f"/imports/{run.pk}/again/").status_code == 403
