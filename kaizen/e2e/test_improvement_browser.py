"""The main path of the improvement register in a real browser: the CSI manager raises an
initiative and walks it through the seven steps on incident history with a known improvement
(kaizen/improvement/tests/facts.py), down to the evaluation of its corrective action."""

import datetime as dt
import os
import re

import pytest
from django.utils import timezone

from kaizen.e2e.conftest import sign_in
from kaizen.improvement import services
from kaizen.improvement.models import Initiative, Status
from kaizen.improvement.tests.facts import seed_resolution_history
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser

KPI = "incident.resolution_hours_median"
SCREENSHOT = os.environ.get("KAIZEN_STEP5_SCREENSHOT", "/tmp/improvement-step5.png")


def advance(page, to_step: int) -> None:
    page.click("#advance-button")
    page.wait_for_url(re.compile(rf"/improvement/\d+/step/{to_step}/$"))
    assert f"Step {to_step}:" in page.inner_text("#step-title")


def test_it_walks_an_initiative_through_the_seven_steps(page, live_server):
    today = timezone.localdate()
    change_on = today - dt.timedelta(days=60)
    # A year and more of resolved incidents, resolution times halved from `change_on` on.
    seed_resolution_history(
        start=today - dt.timedelta(days=400), days=400, change_on=change_on, per_day=6
    )
    iris = make_user("iris", first_name="Iris", last_name="Improver")
    do_grant_process_role(iris, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    vision = services.do_create_goal(actor=iris, level="vision", title="Services people rely on")
    services.do_create_goal(
        actor=iris, level="strategy", title="Restore service fast", parent=vision
    )
    base = live_server.url

    sign_in(page, base, "iris", PASSWORD)
    page.goto(f"{base}/improvement/")
    page.click("#new-initiative")
    page.fill("#id_title", "Faster incident resolution")
    page.fill("#id_problem_statement", "Incidents take a working day to resolve.")
    page.select_option("#id_process", "incident")
    page.select_option("#id_priority", "2")
    page.select_option("#id_goals", label="Restore service fast (strategy)")
    page.click("#initiative-form button[type=submit]")
    page.wait_for_url(re.compile(r"/improvement/\d+/step/1/$"))
    initiative = Initiative.objects.get()

    # 1: the KPI, its goal and target
    page.select_option("#id_kpi_key", KPI)
    page.select_option("#id_goal", label="Restore service fast")
    page.fill("#id_target", "14")
    page.click("#kpi-add-form button[type=submit]")
    page.wait_for_selector("text=incident.resolution_hours_median added")
    assert page.get_attribute("#gate-status", "data-passed") == "true"
    advance(page, 2)

    # 2: what the data allows
    page.click("#assess-button")
    page.wait_for_selector("text=Data assessed")
    assert "Field coverage" in page.inner_text("#assessment")
    advance(page, 3)

    # 3: where the data comes from, how often
    page.fill("input[name$='-source_description']", "Kaizen's incident records (journal)")
    page.select_option("select[name$='-schedule']", "hourly")
    page.click(".kz-collection-form button[type=submit]")
    page.wait_for_selector("text=incident.resolution_hours_median saved")
    assert "Last data point" in page.inner_text("#step-workspace")
    advance(page, 4)

    # 4: processing confirmed, one cleaning rule
    page.check("input[name$='-processing_confirmed']")
    page.click(".kz-processing-form button[type=submit]")
    page.wait_for_selector(".kz-confirmed")
    page.click(".kz-rule-add summary")
    page.select_option("select[name$='-kind']", "cap")
    page.select_option("select[name$='-column']", "resolution_hours")
    page.fill("input[name$='-value']", "500")
    page.fill("textarea[name$='-reason']", "Tickets left open over a holiday are not fixes.")
    page.click(".kz-rule-form button[type=submit]")
    page.wait_for_selector("text=Cleaning rule added")
    assert "Tickets left open over a holiday" in page.inner_text(".kz-rules")
    advance(page, 5)

    # 5: the change date, the analysis and its charts, the baseline
    page.fill("input[name$='-change_on']", change_on.isoformat())
    page.click(".kz-range-form button[type=submit]")
    page.wait_for_selector("text=incident.resolution_hours_median saved")
    page.click(".kz-analyse")
    page.wait_for_selector("text=incident.resolution_hours_median analysed")
    for chart in ("series", "control", "pareto", "before_after"):
        page.wait_for_selector(f"canvas[data-analysis-chart={chart}][data-drawn=true]")
    assert "improvement" in page.inner_text(".kz-analysis")  # the before/after's verdict
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.click(".kz-record-baseline")
    page.wait_for_selector("text=Baseline v1 of incident.resolution_hours_median recorded")
    assert "Measured in step 5" in page.inner_text(".kz-baselines")
    advance(page, 6)

    # 6: the decision
    assert page.get_attribute("#report-link", "href") == f"/improvement/{initiative.pk}/report/"
    page.check("input[name=decision][value=implement]")
    page.fill("#id_rationale", "Network tickets carry the delay: route them straight away.")
    page.click("#decision-form button[type=submit]")
    page.wait_for_url(re.compile(r"/improvement/\d+/step/7/$"))

    # 7: an action done three weeks ago; the window still runs, so the CSI manager forces
    page.fill("#id_title", "Route network incidents to the network team")
    page.select_option("#id_owner", label="Iris Improver")
    page.fill("#id_due_on", today.isoformat())
    page.click("#action-add-form button[type=submit]")
    page.wait_for_selector("text=Route network incidents to the network team")
    page.click("#action-table a:has-text('Edit')")
    page.select_option("#id_status", "done")
    page.fill("#id_done_on", (today - dt.timedelta(days=20)).isoformat())
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("text=saved: done")
    assert "running" in page.inner_text("#evaluation-window")
    assert page.is_checked("#id_force")
    page.click("#evaluate-form button[type=submit]")
    page.wait_for_selector("#outcome")
    assert page.inner_text("#outcome") == "Target met"
    assert "Adopted as the new baseline" in page.inner_text("#evaluation")
    assert page.is_visible("#next-cycle-form")

    initiative.refresh_from_db()
    assert (initiative.status, initiative.current_step) == (Status.COMPLETED, 7)
    assert initiative.kpis.get().baselines.count() == 2
