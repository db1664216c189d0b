"""A KPI page over imported old history in a real browser: a desk imports 2012-2014 tickets,
the continual improvement manager measures all history from the scorecard, and the KPI page
charts where the data is, with gaps for the empty months, and folds the empty run in its
table."""

import os
import re

import pytest

from kaizen.e2e.conftest import sign_in
from kaizen.kpis.tests.test_collection import import_old_history
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser

SCREENSHOT = os.environ.get("KAIZEN_KPI_SCREENSHOT", "/tmp/kpi-imported-history.png")


def test_a_kpi_page_over_imported_old_history(page, live_server, tmp_path):
    import_old_history(tmp_path)
    ivy = make_user("ivy", first_name="Ivy", last_name="Improver")
    do_grant_process_role(ivy, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    base = live_server.url

    sign_in(page, base, "ivy", PASSWORD)
    page.goto(f"{base}/kpis/")
    # Measured in the request here (the tests' task queue runs tasks at once): every KPI by
    # month and week, overall and by four breakdowns, takes a while.
    page.set_default_navigation_timeout(180_000)
    page.click("#measure-history", timeout=180_000)  # the click waits for that navigation
    page.wait_for_selector(".alert", timeout=180_000)
    assert "whole history" in page.inner_text(".alert")
    row = page.locator('tr[data-kpi="incident.opened"]')
    assert "Feb 2014" in row.inner_text()

    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/kpis/incident\.opened/"))
    page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('kpi-trend'))")
    chart = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById('kpi-trend'));
          return {labels: chart.data.labels, values: chart.data.datasets[0].data,
                  spanGaps: chart.data.datasets[0].spanGaps};
        }"""
    )
    assert chart["labels"][0] == "Mar 2012" and chart["labels"][-1] == "Feb 2014"
    assert [v for v in chart["values"] if v is not None] == [2, 1, 2]
    assert chart["values"].count(None) == 21 and chart["spanGaps"] is False
    folded = page.locator("#measurements tr.kz-folded").first
    assert "Jun 2012 – Jan 2014" in folded.inner_text()
    assert "No incidents opened" in folded.inner_text() and "20 months" in folded.inner_text()
    assert "Opened at filled for all of them." in page.inner_text("#quality")

    # Zoom with the chart library's own drag-to-zoom, then back.
    box = page.locator("#kpi-trend").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.15, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
    page.mouse.up()
    page.wait_for_selector("#zoom-reset:not([hidden])")
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.click("#zoom-reset")
    page.wait_for_selector("#zoom-reset", state="hidden")
