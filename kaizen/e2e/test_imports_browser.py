"""The event-log import's main path in a real browser: an administrator uploads a log whose
activities are numeric codes with a pasted mapping, reads in the preview what each activity
does (and which is not mapped), and starts the import."""

import pytest

from kaizen.e2e.conftest import sign_in
from kaizen.imports.models import ImportRun
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser

LOG = (
    "case,activity,time,who\n"
    "c-1,10,2024-01-08T09:00:00+00:00,Ann\n"
    "c-1,40,2024-01-08T10:00:00+00:00,Ann\n"
    "c-1,99,2024-01-08T11:00:00+00:00,Ann\n"
)
MAPPING = '[activities]\n"10" = "new"\n"40" = { state = "resolved", resolution = "solved" }\n'


def test_it_previews_what_each_activity_does_before_the_import(page, live_server, tmp_path):
    make_user("ada", first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)
    log = tmp_path / "codes.csv"
    log.write_text(LOG)

    sign_in(page, live_server.url, "ada", PASSWORD)
    page.goto(f"{live_server.url}/imports/new/")
    page.select_option("#id_kind", "eventlog-csv")
    page.set_input_files("#id_file", str(log))
    page.fill("#id_case", "case")
    page.fill("#id_activity", "activity")
    page.fill("#id_timestamp", "time")
    page.fill("#id_resource", "who")
    page.fill("#id_mapping_text", MAPPING)
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#activities")

    rows = page.locator("#activities tbody tr")
    cells = [rows.nth(n).locator("td").all_inner_texts() for n in range(rows.count())]
    assert [[cell.strip() for cell in row] for row in cells] == [
        ["10", "New", "1"],
        ["40", "Resolved (solved)", "1"],
        ["99", "not mapped", "1"],
    ]
    assert "1 of 3 activities are not mapped" in page.inner_text("#warnings")
    # The tests' task queue runs the import in the request; on a loaded machine that takes
    # longer than a click's usual wait for the navigation it starts.
    page.click("text=Start import", timeout=120_000)
    page.wait_for_url(f"{live_server.url}/imports/*/", timeout=120_000)
    assert ImportRun.objects.get().options["mapping"]["activities"]["10"] == "new"
