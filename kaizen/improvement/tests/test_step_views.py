"""/improvement/<pk>/step/<n>/ and the forms of each step: KPIs (1), data assessment and gaps
(2), collection (3), processing and cleaning rules (4), analysis and baseline (5), decision and
report links (6), actions, evaluation and the next cycle (7)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.models import (
    Action,
    ActionStatus,
    Analysis,
    Baseline,
    CleaningRule,
    Gap,
    Initiative,
    InitiativeKPI,
    Status,
)
from kaizen.improvement.tests.helpers import (
    CHANGE_DAY,
    DEFAULT_KPI,
    add_kpi,
    add_output_rows,
    ensure_history,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db


def step_url(initiative: Initiative, step: int) -> str:
    return f"/improvement/{initiative.pk}/step/{step}/"


def url(initiative: Initiative, action: str) -> str:
    return f"/improvement/{initiative.pk}/{action}"


def journaled(initiative: Initiative, event_type: str) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(initiative).filter(event_type=event_type))


@pytest.fixture
def initiative(process_owner):
    """Paul's initiative at step 1, serving a goal, with the median resolution time chosen."""
    created = make_initiative(owner=process_owner, goals=[make_goal()])
    add_kpi(created, target=12)
    return created


def at_step(initiative: Initiative, step: int, actor) -> tuple[Initiative, InitiativeKPI]:
    walk_to_step(initiative, step, actor=actor)
    return initiative, initiative.kpis.get()


# -- the step pages -------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client, initiative):
    response = client.get(step_url(initiative, 1))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters(web, requester, initiative):
    assert web(requester).get(step_url(initiative, 1)).status_code == 403


def test_it_answers_404_for_a_missing_initiative_or_step(web, agent, initiative):
    assert web(agent).get("/improvement/999/step/1/").status_code == 404
    assert web(agent).get(step_url(initiative, 8)).status_code == 404
    assert web(agent).get(step_url(initiative, 0)).status_code == 404


@pytest.mark.parametrize("step", range(1, 8))
def test_it_shows_every_step_read_only_to_agents(web, agent, initiative, step):
    response = web(agent).get(step_url(initiative, step))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="read-only"' in page
    assert 'method="post"' not in page.split('id="step-workspace"')[1].split("About this step")[0]


def test_it_gives_the_owner_the_forms_of_the_current_step(web, initiative):
    page = web(initiative.owner).get(step_url(initiative, 1)).content.decode()
    assert 'id="kpi-add-form"' in page and 'id="advance-form"' in page
    assert 'id="read-only"' not in page


def test_it_refuses_agents_every_step_form(web, agent, initiative):
    kpi = initiative.kpis.get()
    written = JournalEvent.objects.count()
    client = web(agent)
    for action in (
        "kpis/add/",
        f"kpis/{kpi.pk}/",
        f"kpis/{kpi.pk}/remove/",
        "assess/",
        f"kpis/{kpi.pk}/rules/add/",
        f"kpis/{kpi.pk}/analyse/",
        f"kpis/{kpi.pk}/baseline/",
        "decision/",
        "actions/add/",
        "evaluate/",
        "next-cycle/",
    ):
        assert client.post(url(initiative, action)).status_code == 403, action
    assert JournalEvent.objects.count() == written  # nothing done, nothing journaled
    assert initiative.kpis.get() == kpi


def test_it_reads_every_step_in_a_constant_number_of_queries(web, initiative):
    """Each step's lists, with their forms as the owner sees them, read in one query per kind
    however long they are: the KPIs (custom ones too) with their goals (steps 1, 3, 4), the
    gaps and their owners (2), the cleaning rules and who wrote them (4), each KPI's latest
    analysis and its baselines (5), the decisions (6), the actions and the evaluations (7)."""
    initiative, _ = at_step(initiative, 7, initiative.owner)
    implement(initiative, actor=initiative.owner)
    add_output_rows(initiative)
    client = web(initiative.owner)
    for number in range(1, 8):
        assert_constant_queries(
            "improvement",
            f"step_{number}",
            lambda number=number: client.get(step_url(initiative, number)),
            lambda: add_output_rows(initiative),
        )
    page = client.get(step_url(initiative, 7)).content.decode()
    assert page.count("Listed action") == 8


def test_it_shows_a_kpi_no_longer_in_the_library_on_every_page(web, initiative):
    """A KPI whose key the library lost (a custom KPI's key renamed in the database, a KPI
    dropped from a release) is shown as unknown, not a server error."""
    gone = InitiativeKPI.objects.create(
        initiative=initiative, kpi_key="custom.gone", target=3, warning=5, position=9
    )
    Baseline.objects.create(
        initiative_kpi=gone,
        version=1,
        source="measured",
        period_kind="week",
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 3, 29),
        value=4.5,
        n=12,
        recorded_at=timezone.now(),
    )
    client = web(initiative.owner)
    for number in range(1, 8):
        response = client.get(step_url(initiative, number))
        assert response.status_code == 200, number
    assert "Unknown KPI" in client.get(step_url(initiative, 1)).content.decode()
    assert "custom.gone" in client.get(step_url(initiative, 5)).content.decode()
    page = client.get(f"/improvement/{initiative.pk}/").content.decode()
    assert "custom.gone" in page


def test_it_answers_405_to_a_get_of_a_step_form(web, initiative):
    client = web(initiative.owner)
    for action in ("kpis/add/", "assess/", "decision/", "actions/add/", "evaluate/"):
        assert client.get(url(initiative, action)).status_code == 405, action


# -- step 1 ---------------------------------------------------------------------------------------


def test_it_lists_the_kpis_and_marks_the_ones_not_measurable_in_the_library(web, initiative):
    page = web(initiative.owner).get(step_url(initiative, 1)).content.decode()
    assert "Median time to resolve" in page and "Lower is better" in page and "12 h" in page
    # the add form offers the whole library, grouped, with the unmeasurable ones said so
    assert "<optgroup" in page and "(not measurable)" in page


def test_it_adds_a_kpi_with_its_goal_and_target(web, initiative):
    goal = initiative.goals.get()
    response = web(initiative.owner).post(
        url(initiative, "kpis/add/"),
        {"kpi_key": "incident.sla_met_pct", "goal": goal.pk, "target": "95"},
    )
    assert response.status_code == 302
    added = initiative.kpis.get(kpi_key="incident.sla_met_pct")
    assert (added.goal, added.target) == (goal, 95.0)
    assert journaled(initiative, EventType.INITIATIVE_KPI_ADDED)[-1].actor == initiative.owner


def test_it_shows_why_a_kpi_cannot_be_added_beside_the_field(web, initiative):
    response = web(initiative.owner).post(url(initiative, "kpis/add/"), {"kpi_key": DEFAULT_KPI})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_kpi_key_errors"' in page and "already measured by this initiative" in page


def stored_version(kpi: InitiativeKPI) -> int:
    """The version the step page shows the KPI's forms with."""
    return InitiativeKPI.objects.get(pk=kpi.pk).version


def test_it_edits_a_kpis_target_on_its_own_page(web, initiative):
    kpi = initiative.kpis.get()
    client = web(initiative.owner)
    page = client.get(url(initiative, f"kpis/{kpi.pk}/")).content.decode()
    assert f'name="kpi{kpi.pk}-target"' in page
    response = client.post(
        url(initiative, f"kpis/{kpi.pk}/"),
        {
            "section": "targets",
            f"kpi{kpi.pk}-goal": kpi.goal_id,
            f"kpi{kpi.pk}-target": "10",
            f"kpi{kpi.pk}-version": kpi.version,
        },
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert kpi.target == 10
    (updated,) = journaled(initiative, EventType.INITIATIVE_KPI_UPDATED)
    assert updated.changes["target"] == {"old": 12.0, "new": 10.0}


def test_it_removes_a_kpi(web, initiative):
    kpi = initiative.kpis.get()
    response = web(initiative.owner).post(url(initiative, f"kpis/{kpi.pk}/remove/"))
    assert response.status_code == 302
    assert not initiative.kpis.exists()
    (removed,) = journaled(initiative, EventType.INITIATIVE_KPI_REMOVED)
    assert removed.actor == initiative.owner
    assert (removed.data["initiative_kpi"], removed.data["kpi_key"]) == (kpi.pk, DEFAULT_KPI)


def test_it_answers_404_for_another_initiatives_kpi(web, initiative, process_owner):
    other = make_initiative(owner=process_owner)
    kpi = initiative.kpis.get()
    assert web(process_owner).post(url(other, f"kpis/{kpi.pk}/remove/")).status_code == 404


# -- step 2 ---------------------------------------------------------------------------------------


def test_it_assesses_the_data_and_shows_coverage_and_gaps(web, initiative):
    walk_to_step(initiative, 2, actor=initiative.owner)
    ensure_history()
    response = web(initiative.owner).post(url(initiative, "assess/"))
    assert response.status_code == 302
    assert journaled(initiative, EventType.ASSESSMENT_COMPUTED)[-1].actor == initiative.owner
    page = web(initiative.owner).get(step_url(initiative, 2)).content.decode()
    for text in ("Data assessment", "Field coverage", "resolution_hours", "100.0 %", "Sample size"):
        assert text in page, text


def test_it_records_what_closes_a_gap(web, initiative, agent):
    walk_to_step(initiative, 2, actor=initiative.owner)
    gap = Gap.objects.create(
        initiative=initiative, kpi_key=DEFAULT_KPI, code="small_samples", description="Few rows"
    )
    client = web(initiative.owner)
    page = client.get(step_url(initiative, 2)).content.decode()
    assert f'id="gap-form-{gap.pk}"' in page
    response = client.post(
        url(initiative, f"gaps/{gap.pk}/"),
        {
            f"gap{gap.pk}-action": "Ask the desk to record categories",
            f"gap{gap.pk}-owner": agent.pk,
            f"gap{gap.pk}-status": "open",
            f"gap{gap.pk}-version": 1,
        },
    )
    assert response.status_code == 302
    gap.refresh_from_db()
    assert (gap.action, gap.owner) == ("Ask the desk to record categories", agent)
    (updated,) = journaled(initiative, EventType.GAP_UPDATED)
    assert updated.actor == initiative.owner and updated.data["gap"] == gap.pk
    assert updated.changes["action"]["new"] == "Ask the desk to record categories"
    response = client.post(url(initiative, f"gaps/{gap.pk}/"), {f"gap{gap.pk}-status": "nonsense"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


# -- step 3 ---------------------------------------------------------------------------------------


def test_it_records_the_collection_and_shows_its_status(web, initiative):
    initiative, kpi = at_step(initiative, 3, initiative.owner)
    response = web(initiative.owner).post(
        url(initiative, f"kpis/{kpi.pk}/"),
        {
            "section": "collection",
            f"kpi{kpi.pk}-source_description": "Incident records via the journal",
            f"kpi{kpi.pk}-schedule": "hourly",
            f"kpi{kpi.pk}-version": stored_version(kpi),
        },
    )
    assert response["Location"] == f"/improvement/{initiative.pk}/step/3/#kpi-{kpi.pk}"
    kpi.refresh_from_db()
    assert (kpi.source_description, kpi.schedule) == ("Incident records via the journal", "hourly")
    page = web(initiative.owner).get(step_url(initiative, 3)).content.decode()
    # the seeded history ended months ago: the data is stale, and the page says why
    assert 'data-status="stale"' in page and "the data is stale" in page
    assert "Last measured" in page


def test_it_keeps_a_failed_collection_form_on_the_step_page(web, initiative):
    initiative, kpi = at_step(initiative, 3, initiative.owner)
    response = web(initiative.owner).post(
        url(initiative, f"kpis/{kpi.pk}/"),
        {"section": "collection", f"kpi{kpi.pk}-schedule": "fortnightly"},
    )
    assert response.status_code == 200 and response.context["step"] == 3
    assert f'id="id_kpi{kpi.pk}-schedule_errors"' in response.content.decode()


# -- step 4 ---------------------------------------------------------------------------------------


def test_it_confirms_the_processing(web, initiative):
    initiative, kpi = at_step(initiative, 4, initiative.owner)
    InitiativeKPI.objects.filter(pk=kpi.pk).update(processing_confirmed=False)
    response = web(initiative.owner).post(
        url(initiative, f"kpis/{kpi.pk}/"),
        {
            "section": "processing",
            f"kpi{kpi.pk}-period_kind": "month",
            f"kpi{kpi.pk}-breakdown": "priority",
            f"kpi{kpi.pk}-processing_confirmed": "on",
            f"kpi{kpi.pk}-version": stored_version(kpi),
        },
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.period_kind, kpi.breakdown, kpi.processing_confirmed) == ("month", "priority", True)


def test_it_adds_and_removes_a_cleaning_rule(web, initiative):
    initiative, kpi = at_step(initiative, 4, initiative.owner)
    client = web(initiative.owner)
    prefix = f"rule{kpi.pk}"
    response = client.post(
        url(initiative, f"kpis/{kpi.pk}/rules/add/"),
        {
            f"{prefix}-kind": "cap",
            f"{prefix}-column": "resolution_hours",
            f"{prefix}-value": "500",
            f"{prefix}-reason": "Tickets left open over a holiday",
        },
    )
    assert response.status_code == 302
    rule = CleaningRule.objects.get()
    assert (rule.kind, rule.column, rule.value) == ("cap", "resolution_hours", 500)
    (added,) = journaled(initiative, EventType.CLEANING_RULE_ADDED)
    assert added.actor == initiative.owner and added.data["rule"] == rule.pk
    page = client.get(step_url(initiative, 4)).content.decode()
    assert "Tickets left open over a holiday" in page
    response = client.post(url(initiative, f"kpis/{kpi.pk}/rules/{rule.pk}/remove/"))
    assert response.status_code == 302 and not CleaningRule.objects.exists()
    (removed,) = journaled(initiative, EventType.CLEANING_RULE_REMOVED)
    assert removed.data["rule"] == rule.pk and removed.data["reason"] == rule.reason


def test_it_shows_a_cleaning_rules_errors_beside_its_fields(web, initiative):
    initiative, kpi = at_step(initiative, 4, initiative.owner)
    prefix = f"rule{kpi.pk}"
    response = web(initiative.owner).post(
        url(initiative, f"kpis/{kpi.pk}/rules/add/"),
        {f"{prefix}-kind": "cap", f"{prefix}-column": "category", f"{prefix}-reason": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{prefix}-column_errors"' in page and "is not a number" in page
    assert f'id="id_{prefix}-value_errors"' in page
    assert not CleaningRule.objects.exists()


# -- step 5 ---------------------------------------------------------------------------------------


def chart_data(page: str) -> dict:
    block = page.split('id="analysis-chart-data" type="application/json">')[1].split("</script>")[0]
    return json.loads(block)


def test_it_analyses_a_kpi_and_hands_the_charts_their_numbers(web, initiative):
    initiative, kpi = at_step(initiative, 5, initiative.owner)
    client = web(initiative.owner)
    response = client.post(
        url(initiative, f"kpis/{kpi.pk}/"),
        {
            "section": "analysis",
            f"kpi{kpi.pk}-change_on": CHANGE_DAY.isoformat(),
            f"kpi{kpi.pk}-version": stored_version(kpi),
        },
    )
    assert response.status_code == 302
    response = client.post(url(initiative, f"kpis/{kpi.pk}/analyse/"))
    assert response.status_code == 302
    assert journaled(initiative, EventType.ANALYSIS_COMPUTED)[-1].actor == initiative.owner
    page = client.get(step_url(initiative, 5)).content.decode()
    result = chart_data(page)[str(kpi.pk)]
    assert result["change_on"] == CHANGE_DAY.isoformat()
    assert result["series"] and result["control_chart"]["points"]
    for part in ("series", "control", "pareto", "before_after"):
        assert f'data-analysis-chart="{part}" data-kpi="{kpi.pk}"' in page, part
    # each chart's explanation in words beside it
    assert result["before_after"]["explanation"].split(";")[0] in page
    assert result["control_chart"]["explanation"].split(":")[0] in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "improvement/analysis.js" in page


def test_it_records_the_analysis_as_a_baseline(web, initiative):
    initiative, kpi = at_step(initiative, 5, initiative.owner)
    analysis = services.do_analyse_kpi(kpi, actor=initiative.owner)
    before = Baseline.objects.count()
    response = web(initiative.owner).post(
        url(initiative, f"kpis/{kpi.pk}/baseline/"), {"analysis": analysis.pk}
    )
    assert response.status_code == 302
    assert Baseline.objects.count() == before + 1
    latest = kpi.baselines.order_by("-version").first()
    assert latest.analysis == analysis
    assert journaled(initiative, EventType.BASELINE_RECORDED)[-1].actor == initiative.owner
    page = web(initiative.owner).get(step_url(initiative, 5)).content.decode()
    assert f"v{latest.version}" in page and "Measured in step 5" in page


def test_it_says_why_a_kpi_cannot_be_analysed(web, initiative):
    initiative, kpi = at_step(initiative, 5, initiative.owner)
    Initiative.objects.filter(pk=initiative.pk).update(status=Status.STOPPED)
    response = web(initiative.owner).post(url(initiative, f"kpis/{kpi.pk}/analyse/"), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def advisory_at_step_5(owner) -> tuple[Initiative, InitiativeKPI]:
    """An advisory initiative moved to step 5 with reasons, whatever its data."""
    initiative = make_initiative(owner=owner, goals=[make_goal()], gate_mode="advisory")
    add_kpi(initiative, target=12)
    while initiative.current_step < 5:
        services.do_advance_step(initiative, actor=owner, override_reason="Analyse it now")
    return initiative, InitiativeKPI.objects.get(initiative=initiative)


def test_it_says_a_kpi_without_data_cannot_be_analysed(web, process_owner):
    """An empty store: the analysis is refused with the range named (a change date set too,
    which left no period before it), and nothing is recorded."""
    initiative, kpi = advisory_at_step_5(process_owner)
    services.do_update_initiative_kpi(
        kpi, actor=process_owner, change_on=timezone.localdate() - dt.timedelta(days=60)
    )
    response = web(process_owner).post(url(initiative, f"kpis/{kpi.pk}/analyse/"), follow=True)
    assert response.status_code == 200
    (message,) = response.context["messages"]
    assert message.level_tag == "error"
    assert str(message).startswith("Median time to resolve has no data from ")
    assert not Analysis.objects.exists()
    assert not journaled(initiative, EventType.ANALYSIS_COMPUTED)


def test_it_analyses_a_kpi_whose_change_date_precedes_its_range(web, process_owner):
    """A change date before the analysed range (no start set, the last year analysed): no
    period falls before it, so the control limits come from every period and the
    before/after test says there is too little data."""
    today = timezone.localdate()
    ensure_history(start=today - dt.timedelta(days=120), days=100, change_on=None)
    initiative, kpi = advisory_at_step_5(process_owner)
    services.do_update_initiative_kpi(
        kpi, actor=process_owner, change_on=today - dt.timedelta(days=500)
    )
    response = web(process_owner).post(url(initiative, f"kpis/{kpi.pk}/analyse/"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    result = Analysis.objects.get(initiative_kpi=kpi).result
    assert result["control_chart"]["limits_from"] is None
    assert result["control_chart"]["centre"] is not None
    assert result["before_after"]["outcome"] == "not enough data"


# -- step 6 ---------------------------------------------------------------------------------------


def test_it_links_the_report_and_its_share_forms(web, initiative):
    initiative, _ = at_step(initiative, 6, initiative.owner)
    page = web(initiative.owner).get(step_url(initiative, 6)).content.decode()
    for link in (
        f'href="/improvement/{initiative.pk}/report/"',
        f'href="/improvement/{initiative.pk}/report.pdf"',
        f'action="/improvement/{initiative.pk}/share/"',
    ):
        assert link in page, link
    token = services.do_share_report(initiative, actor=initiative.owner)
    page = web(initiative.owner).get(step_url(initiative, 6)).content.decode()
    assert f'action="/improvement/{initiative.pk}/unshare/"' in page
    assert token not in page  # shown only on the page after the link was made


def test_it_records_the_decision_and_lists_it(web, initiative):
    initiative, _ = at_step(initiative, 6, initiative.owner)
    client = web(initiative.owner)
    response = client.post(url(initiative, "decision/"), {"decision": "implement", "rationale": ""})
    assert response.status_code == 200
    assert 'id="id_rationale_errors"' in response.content.decode()
    response = client.post(
        url(initiative, "decision/"),
        {"decision": "implement", "rationale": "Routing network tickets will cut the time."},
    )
    assert response["Location"] == f"/improvement/{initiative.pk}/step/7/"
    (decided,) = journaled(initiative, EventType.DECISION_RECORDED)
    assert decided.actor == initiative.owner
    page = client.get(step_url(initiative, 6)).content.decode()
    assert "Routing network tickets will cut the time." in page and "Paul Owner" in page


def test_it_closes_a_stopped_initiative_on_its_page(web, initiative):
    initiative, _ = at_step(initiative, 6, initiative.owner)
    response = web(initiative.owner).post(
        url(initiative, "decision/"), {"decision": "stop", "rationale": "Not worth it."}
    )
    assert response["Location"] == f"/improvement/{initiative.pk}/"
    initiative.refresh_from_db()
    assert initiative.status == Status.STOPPED


# -- step 7 ---------------------------------------------------------------------------------------


def test_it_adds_an_action_and_shows_it_overdue(web, initiative, agent):
    initiative, _ = at_step(initiative, 7, initiative.owner)
    client = web(initiative.owner)
    response = client.post(url(initiative, "actions/add/"), {"title": "", "owner": agent.pk})
    assert 'id="id_title_errors"' in response.content.decode()
    response = client.post(
        url(initiative, "actions/add/"),
        {"title": "Route network incidents", "owner": agent.pk, "due_on": "2026-01-10"},
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.status) == (agent, ActionStatus.OPEN)
    (created,) = journaled(initiative, EventType.ACTION_CREATED)
    assert created.actor == initiative.owner and created.data["action"] == action.pk
    page = client.get(step_url(initiative, 7)).content.decode()
    assert "Route network incidents" in page and "Overdue" in page


def test_it_lets_an_actions_owner_report_progress_only(web, initiative, agent):
    initiative, _ = at_step(initiative, 7, initiative.owner)
    action = services.do_create_action(
        initiative, actor=None, title="Fix routing", owner=agent, due_on=timezone.localdate()
    )
    client = web(agent)
    page = client.get(step_url(initiative, 7)).content.decode()
    assert f'href="/improvement/{initiative.pk}/actions/{action.pk}/"' in page
    response = client.get(url(initiative, f"actions/{action.pk}/"))
    assert set(response.context["form"].fields) == {
        "status",
        "done_on",
        "change_reference",
        "version",
    }
    response = client.post(
        url(initiative, f"actions/{action.pk}/"),
        {"status": "done", "done_on": "", "change_reference": "CHG0001", "version": 1},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on, action.change_reference) == (
        "done",
        timezone.localdate(),
        "CHG0001",
    )
    assert journaled(initiative, EventType.ACTION_UPDATED)[0].actor == agent
    page = web(agent).get(step_url(initiative, 7)).content.decode()
    assert "On time" in page


def test_it_reopens_and_cancels_a_done_action_from_its_form(web, initiative, agent):
    """The form posts back the day a done action was done; reopening or cancelling it clears
    that day (and closes the evaluation window again) instead of refusing it."""
    initiative, _ = at_step(initiative, 7, initiative.owner)
    action = services.do_create_action(
        initiative, actor=None, title="Fix routing", owner=agent, due_on=timezone.localdate()
    )
    done_on = timezone.localdate() - dt.timedelta(days=1)
    services.do_update_action(action, actor=agent, status=ActionStatus.DONE, done_on=done_on)
    initiative.refresh_from_db()
    assert initiative.status == Status.EVALUATING
    client = web(agent)
    form = client.get(url(initiative, f"actions/{action.pk}/")).context["form"]
    assert form["done_on"].value() == done_on
    response = client.post(
        url(initiative, f"actions/{action.pk}/"),
        {"status": "open", "done_on": done_on.isoformat(), "change_reference": "", "version": 2},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    initiative.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.OPEN, None)
    assert initiative.status == Status.ACTIVE and initiative.evaluation_starts_on is None
    reopened = journaled(initiative, EventType.ACTION_UPDATED)[-1]
    assert reopened.data["reopened"] is True
    services.do_update_action(action, actor=agent, status=ActionStatus.DONE, done_on=done_on)
    owner = web(initiative.owner)
    form = owner.get(url(initiative, f"actions/{action.pk}/")).context["form"]
    posted = {name: form[name].value() or "" for name in form.fields}
    response = owner.post(
        url(initiative, f"actions/{action.pk}/"), {**posted, "status": "cancelled"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.CANCELLED, None)
    # another day than the one recorded, with a status other than done, is still refused
    response = web(agent).post(
        url(initiative, f"actions/{action.pk}/"),
        {"status": "open", "done_on": "2026-01-02", "change_reference": "", "version": 5},
    )
    assert response.status_code == 400
    assert "only a done action has the day it was done" in response.content.decode()


def test_it_forbids_other_agents_to_update_an_action(web, initiative, agent, catalog_manager):
    initiative, _ = at_step(initiative, 7, initiative.owner)
    action = services.do_create_action(
        initiative, actor=None, title="Fix routing", owner=agent, due_on=timezone.localdate()
    )
    assert web(catalog_manager).get(url(initiative, f"actions/{action.pk}/")).status_code == 403
    progress = {"status": "done", "done_on": "", "change_reference": "CHG0001"}
    response = web(catalog_manager).post(url(initiative, f"actions/{action.pk}/"), progress)
    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.status, action.change_reference) == (ActionStatus.OPEN, "")
    assert web(agent).get(url(initiative, "actions/999/")).status_code == 404


def test_it_evaluates_after_the_window_and_offers_the_next_cycle(web, initiative, csi_manager):
    initiative, _ = at_step(initiative, 7, initiative.owner)
    implement(initiative, actor=initiative.owner)  # the window ran in April 2026
    client = web(initiative.owner)
    page = client.get(step_url(initiative, 7)).content.decode()
    assert 'id="evaluate-form"' in page and 'name="force"' not in page
    response = client.post(url(initiative, "evaluate/"))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Status.COMPLETED
    assert journaled(initiative, EventType.EVALUATION_RECORDED)[0].actor == initiative.owner
    page = client.get(step_url(initiative, 7)).content.decode()
    assert "Target met" in page and "Adopted as the new baseline" in page
    assert "Median time to resolve" in page and 'id="next-cycle-form"' in page
    response = client.post(url(initiative, "next-cycle/"))
    following = Initiative.objects.get(previous=initiative)
    assert response["Location"] == f"/improvement/{following.pk}/"
    (opened,) = journaled(initiative, EventType.CYCLE_OPENED)
    assert opened.actor == initiative.owner and opened.data["next"] == following.pk


def test_it_shows_an_evaluation_of_a_kpi_it_could_not_measure(web, initiative):
    """A KPI that cannot be measured (its gap accepted in step 2) has no before/after test in
    the evaluation: step 7 says why, beside the KPIs that were measured."""
    initiative, _ = at_step(initiative, 7, initiative.owner)
    InitiativeKPI.objects.create(
        initiative=initiative, kpi_key="improvement.ideas_submitted", target=1, position=9
    )
    implement(initiative, actor=initiative.owner)
    evaluation = services.do_evaluate_initiative(initiative, actor=initiative.owner)
    unmeasured = [entry for entry in evaluation.results if entry["before_after"] is None]
    assert [entry["kpi_key"] for entry in unmeasured] == ["improvement.ideas_submitted"]
    response = web(initiative.owner).get(step_url(initiative, 7))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Improvement ideas submitted cannot be measured any more: " in page
    assert "Target not met" in page


def test_it_offers_an_early_evaluation_to_the_csi_manager_only(web, initiative, csi_manager):
    initiative, _ = at_step(initiative, 7, initiative.owner)
    implement(initiative, actor=initiative.owner, done_on=timezone.localdate() - dt.timedelta(2))
    owner_page = web(initiative.owner).get(step_url(initiative, 7)).content.decode()
    assert 'id="evaluate-form"' not in owner_page and "running" in owner_page
    forced = web(initiative.owner).post(url(initiative, "evaluate/"), {"force": "on"})
    assert forced.status_code == 403
    response = web(initiative.owner).post(url(initiative, "evaluate/"), follow=True)
    assert "evaluate after it has ended" in response.content.decode()
    manager = web(csi_manager)
    assert 'name="force"' in manager.get(step_url(initiative, 7)).content.decode()
    response = manager.post(url(initiative, "evaluate/"), {"force": "on"})
    assert response.status_code == 302
    (evaluated,) = journaled(initiative, EventType.EVALUATION_RECORDED)
    assert evaluated.data["forced"] is True and evaluated.actor == csi_manager
