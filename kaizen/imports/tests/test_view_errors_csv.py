"""/imports/<id>/errors.csv: every row error of a run, for a spreadsheet."""

import csv
import io

import pytest

from kaizen.imports.models import RowError
from kaizen.imports.tests.view_helpers import make_run

pytestmark = pytest.mark.django_db


def download(client, run) -> list[list[str]]:
    response = client.get(f"/imports/{run.pk}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{run.pk}-errors.csv"'
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_it_lists_every_row_error_in_row_order(web, admin_user):
    run = make_run(errors=3)
    rows = download(web(admin_user), run)
    assert rows == [
        ["row", "record", "field", "value", "reason"],
        ["2", "INC0000002", "incident_state", "-100", "unknown state '-100'"],
        ["3", "INC0000003", "incident_state", "-100", "unknown state '-100'"],
        ["4", "INC0000004", "incident_state", "-100", "unknown state '-100'"],
    ]


def test_it_writes_values_a_spreadsheet_would_run_as_formulas_as_text(web, admin_user):
    run = make_run()
    RowError.objects.create(
        run=run,
        row_number=7,
        record_key="INC1",
        field="caller_id",
        value="=HYPERLINK(1)",
        reason="bad",
    )
    [_, row] = download(web(admin_user), run)
    assert row[3] == "'=HYPERLINK(1)"


def test_it_has_only_the_header_for_a_clean_run(web, admin_user):
    assert download(web(admin_user), make_run()) == [["row", "record", "field", "value", "reason"]]


def test_it_forbids_requesters_and_plain_agents(web, requester, agent):
    run = make_run(errors=1)
    for user in (requester, agent):
        assert web(user).get(f"/imports/{run.pk}/errors.csv").status_code == 403
