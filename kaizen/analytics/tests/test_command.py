"""`kaizen analytics sync|rebuild` and the periodic task."""

import io
import json

import pytest
from django.core.management import call_command

from kaizen.analytics.store import writer_lock
from kaizen.analytics.tasks import sync_analytics_store
from kaizen.incidents.tests.helpers import make_incident, move

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("analytics", *args, stdout=out)
    return out.getvalue()


def test_it_prints_a_json_summary_of_each_run():
    incident = make_incident()
    first = json.loads(run("sync", "--json"))
    assert (first["mode"], first["incidents"], first["event_facts"]) == ("rebuild", 1, 1)
    move(incident, "in_progress")
    second = json.loads(run("sync", "--json", "--batch-size", "10"))
    assert (second["mode"], second["events"], second["incidents"]) == ("sync", 1, 1)
    rebuilt = json.loads(run("rebuild", "--json"))
    assert (rebuilt["mode"], rebuilt["incidents"], rebuilt["event_facts"]) == ("rebuild", 1, 2)


def test_it_says_what_it_did_in_words():
    make_incident()
    assert run("rebuild").startswith("Rebuilt the analytics store in ")
    assert "0 journal events read" in run("sync")


def test_the_periodic_task_syncs_and_steps_aside_for_a_running_writer():
    make_incident()
    assert sync_analytics_store.call_local()["incidents"] == 1
    with writer_lock():
        assert "skipped" in sync_analytics_store.call_local()
