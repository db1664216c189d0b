"""`kaizen load_demo` says what it does while it imports the real history: plain lines in a log."""

from io import StringIO

import pytest

from kaizen.demo.management.commands.load_demo import Command
from kaizen.imports.tests.conftest import read_dataset, write_csv
from kaizen.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_history_import_shows_its_progress_in_whole_lines(tmp_path, monkeypatch):
    header, rows = read_dataset(200)
    log = write_csv(tmp_path / "history.csv", header, rows)
    monkeypatch.setenv("KAIZEN_SERVICENOW_LOG", str(log))
    out = StringIO()
    added = Command(stdout=out)._import_servicenow(skip=False)
    assert added == {"imported ServiceNow incidents": 200} and Incident.objects.count() == 200
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == (
        f"Importing the ServiceNow incident history (a couple of minutes the first time) "
        f"from {log} ..."
    )
    assert lines[-1].startswith("history.csv: 100% ")
    assert lines[-1].endswith(f"rows={len(rows)}, created=200]")


def test_without_the_history_it_says_nothing_of_it():
    out = StringIO()
    assert Command(stdout=out)._import_servicenow(skip=True) == {}
    assert out.getvalue() == ""
