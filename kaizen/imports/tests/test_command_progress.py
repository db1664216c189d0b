"""`kaizen import` shows its progress as plain lines when stderr is not a terminal (a CI log)."""

from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_it_reports_progress_in_whole_lines_off_a_terminal(dataset_slice):
    path, rows = dataset_slice
    out, err = StringIO(), StringIO()
    call_command("import", "servicenow-eventlog", str(path), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert "\r" not in err.getvalue()
    # The first batch at once, and the end (the slice takes less than the interval between).
    assert len(lines) == 2
    size = f"{path.stat().st_size / 1e6:.2f}M"
    # After the first batch of 1,000 incidents (the reader runs ahead of the writer).
    assert lines[0].startswith("slice.csv: ") and lines[0].endswith(", created=1000]")
    assert lines[1].startswith(f"slice.csv: 100% {size}/{size}B [")
    assert lines[1].endswith(f"rows={len(rows)}, created={Incident.objects.count()}]")
    assert out.getvalue().startswith("Import ")


def test_no_progress_and_json_print_none(dataset_slice):
    path, _ = dataset_slice
    for option in ("--no-progress", "--json"):
        err = StringIO()
        call_command(
            "import", "servicenow-eventlog", str(path), option, stdout=StringIO(), stderr=err
        )
        assert err.getvalue() == ""
