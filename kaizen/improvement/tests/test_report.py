"""/improvement/<pk>/report/: the initiative report for decision makers, as a page.

The figures come from a real analysis of seeded incident facts (tests/facts.py: resolution
times drop from about 20 to about 10 hours on CHANGE_DAY), walked through the services."""

import datetime as dt
import html
import re
import zoneinfo

import pytest
from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.models import (
    Baseline,
    CleaningKind,
    DecisionKind,
    Gap,
    GoalLevel,
    Initiative,
    Step,
)
from kaizen.improvement.tests.helpers import (
    CHANGE_DAY,
    add_kpi,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.testing import assert_constant_queries, make_service

pytestmark = pytest.mark.django_db

# Eight weeks after the change: the analysis has a before and an after.
TODAY = CHANGE_DAY + dt.timedelta(weeks=8)
KPI_NAME = "Median time to resolve"
RULE_REASON = "Tickets parked over a public holiday are not resolution work."


def url(initiative: Initiative) -> str:
    return f"/improvement/{initiative.pk}/report/"


def goal_chain(actor):
    vision = make_goal("Services people can rely on", level=GoalLevel.VISION, actor=actor)
    strategy = make_goal("Restore service fast", level=GoalLevel.STRATEGY, parent=vision)
    tactical = make_goal("Halve resolution time", level=GoalLevel.TACTICAL, parent=strategy)
    return make_goal("Resolve incidents faster", level=GoalLevel.OPERATIONAL, parent=tactical)


def analysed_initiative(owner, *, extra_kpi: str | None = None) -> Initiative:
    """At step 6 (decision asked): the default KPI (and `extra_kpi`) analysed as of TODAY
    with a change on CHANGE_DAY and a cleaning rule on the first, baselines recorded."""
    initiative = make_initiative(
        owner=owner,
        justification="Each hour a network incident stays open costs the sales floor.",
        expected_benefit="Median resolution under 8 hours.",
        goals=[goal_chain(owner)],
        services=[make_service("Corporate network")],
    )
    add_kpi(initiative, actor=owner)
    if extra_kpi:
        add_kpi(initiative, extra_kpi, actor=owner)
    walk_to_step(initiative, Step.PROCESS, actor=owner, today=TODAY)
    first = initiative.kpis.order_by("position", "pk").first()
    for ikpi in initiative.kpis.all():
        services.do_update_initiative_kpi(ikpi, actor=owner, change_on=CHANGE_DAY)
    services.do_add_cleaning_rule(
        first,
        actor=owner,
        kind=CleaningKind.CAP,
        column="resolution_hours",
        value=60,
        reason=RULE_REASON,
    )
    return walk_to_step(initiative, Step.PRESENT, actor=owner, today=TODAY)


@pytest.fixture
def analysed(process_owner):
    return analysed_initiative(process_owner)


def page_of(response) -> str:
    assert response.status_code == 200, response
    return html.unescape(response.content.decode())


def test_it_forbids_requesters(web, requester, analysed):
    assert web(requester).get(url(analysed)).status_code == 403


def test_it_answers_404_for_a_missing_initiative(web, agent):
    assert web(agent).get("/improvement/999999/report/").status_code == 404


def test_it_asks_anonymous_visitors_to_sign_in(client, analysed):
    response = client.get(url(analysed))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_lets_any_agent_read_it_but_only_the_owner_share_it(web, agent, process_owner, analysed):
    page = page_of(web(agent).get(url(analysed)))
    assert KPI_NAME in page
    assert 'id="share"' not in page
    assert 'id="share"' in page_of(web(process_owner).get(url(analysed)))


def test_it_shows_the_case_the_goal_chain_and_the_services(web, agent, analysed):
    page = page_of(web(agent).get(url(analysed)))
    for text in (
        analysed.reference,
        analysed.title,
        "cycle 1",
        "Paul Owner",
        "Step 6 of 7: Present and use the information",
        analysed.problem_statement,
        "Each hour a network incident stays open costs the sales floor.",
        "Median resolution under 8 hours.",
        "Corporate network",
    ):
        assert text in page, text
    chain = re.search(r'<p class="kz-report-chain">(.*?)</p>', page, re.S).group(1)
    words = " ".join(re.sub(r"<[^>]+>", " ", chain).split())
    assert words == (
        "Vision: Services people can rely on › Strategy: Restore service fast › "
        "Tactical goal: Halve resolution time › Operational goal: Resolve incidents faster"
    )


def test_it_shows_the_figures_of_the_analysis_with_their_units(web, agent, analysed):
    ikpi = analysed.kpis.get()
    analysis = ikpi.analyses.get()
    baseline = Baseline.objects.get(initiative_kpi=ikpi)
    result = analysis.result
    page = page_of(web(agent).get(url(analysed)))

    assert KPI_NAME in page
    assert "8 h" in page  # the library's target for the median resolution time
    # The baseline: the measured "before" (about 20 h), rounded to what its 95 % CI allows
    # (a CI a few hours wide: one decimal), with the CI, the period and the version.
    assert 15 < baseline.value < 25 and 1 <= baseline.ci_high - baseline.ci_low < 10
    assert f"{baseline.value:.1f} h" in page
    assert f"{baseline.ci_low:.1f}–{baseline.ci_high:.1f} h" in page
    assert "5 Jan 2026 – 5 Apr 2026 (13 weeks)" in page
    assert "v1, measured in step 5" in page
    # The actual: the latest complete week, judged against the initiative's thresholds.
    actual = result["actual"]
    assert 8 < actual["value"] < 16
    assert f"{actual['value']:.1f} h" in page
    assert f"Week of {dt.date.fromisoformat(actual['period']):%-d %b %Y}" in page
    assert ">Warning<" in page
    # Each chart drawn, with its plain-words explanation next to it.
    charts = re.findall(r'data-chart="(\w+)"', page)
    assert charts == ["series", "control", "before_after", "pareto"]
    assert page.count("<svg") == 4
    for part in ("trend", "control_chart", "before_after", "pareto"):
        assert result[part]["explanation"] in page, part
    assert "improved" in page  # the before/after outcome, in the figures
    # The cleaning rule, next to the figures, with why it is right.
    assert result["cleaning"][0]["description"] in page
    assert RULE_REASON in page
    # Provenance.
    assert f"saved analysis {analysis.pk}" in page
    assert "journal event" not in page


def test_it_says_when_a_kpi_has_no_analysis_yet(web, agent, process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal(actor=process_owner)])
    add_kpi(initiative, actor=process_owner)
    page = page_of(web(agent).get(url(initiative)))
    assert KPI_NAME in page
    assert "No analysis yet: this KPI has not been analysed (step 5)" in page
    assert "<svg" not in page
    assert "No baseline yet." in page
    assert "Decision asked" not in page  # step 1


def test_it_asks_for_the_decision_then_shows_the_decision_recorded(
    web, agent, process_owner, analysed
):
    page = page_of(web(agent).get(url(analysed)))
    assert "Decision asked: implement / keep measuring / stop" in page
    explanation = analysed.kpis.get().analyses.get().result["explanation"]
    assert explanation in page  # the analyst's summary
    assert "No decision recorded yet." in page

    decision = services.do_record_decision(
        analysed,
        actor=process_owner,
        decision=DecisionKind.KEEP_MEASURING,
        rationale="Four more weeks before we commit the network team.",
    )
    page = page_of(web(agent).get(url(analysed)))
    assert "Decision asked" not in page  # back at step 3, gathering data
    assert "Keep measuring" in page
    assert "Four more weeks before we commit the network team." in page
    when = timezone.localtime(decision.decided_at)
    assert f"cycle 1, Paul Owner, {when:%-d %b %Y, %H:%M}" in re.sub(r"<[^>]+>", "", page)


def test_it_shows_the_gap_analysis_with_the_actions_to_close_each_gap(web, agent, process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal(actor=process_owner)])
    # First contact resolution needs a field the seeded incidents never have.
    add_kpi(initiative, "incident.first_contact_resolution_pct", actor=process_owner)
    walk_to_step(initiative, Step.CAN_MEASURE, actor=process_owner, today=TODAY)
    services.do_assess_data(initiative, actor=process_owner, today=TODAY)
    gap = Gap.objects.filter(initiative=initiative, still_present=True).first()
    assert gap is not None
    services.do_update_gap(
        gap,
        actor=process_owner,
        action="Make first contact resolution a required field when resolving.",
        owner=process_owner,
    )
    page = page_of(web(agent).get(url(initiative)))
    assert "Gap analysis: what we should measure vs what we can" in page
    assert gap.description in page
    assert "Make first contact resolution a required field when resolving." in page
    assert "Measurable:" in page


def test_it_lists_the_actions_and_the_evaluation(web, agent, process_owner, analysed):
    walk_to_step(analysed, Step.IMPLEMENT, actor=process_owner, today=TODAY)
    implement(analysed, actor=process_owner)
    action = analysed.actions.get()
    evaluation = services.do_evaluate_initiative(analysed, actor=process_owner, today=TODAY)
    page = page_of(web(agent).get(url(analysed)))

    assert action.title in page
    assert f"{action.due_on:%-d %b %Y}" in page
    assert ">on time<" in page
    assert "Implement corrective actions" in page  # the decision the walk recorded
    assert f"Evaluation of cycle {evaluation.cycle}" in page
    assert ("Target met" if evaluation.target_met else "Target not met") in page
    measured = evaluation.results[0]["value"]
    assert f"{measured:.1f} h" in page
    assert "Decision asked" not in page


def test_it_shows_times_in_the_readers_time_zone(web, agent, analysed):
    agent.time_zone = "Pacific/Auckland"
    agent.save()
    analysis = analysed.kpis.get().analyses.get()
    page = page_of(web(agent).get(url(analysed)))
    local = analysis.computed_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert f"analysed {local:%-d %b %Y, %H:%M}" in re.sub(r"<[^>]+>", "", page)
    assert "(Pacific/Auckland)" in page


def test_it_reads_the_report_in_a_constant_number_of_queries(web, agent, process_owner):
    initiative = analysed_initiative(process_owner)
    reader = web(agent)  # signed in once: a sign-in inside fetch() would add session queries

    def add_rows():
        # Back to step 1: a second KPI, a second analysis of each, an action and gaps.
        services.do_return_to_step(
            initiative, Step.SHOULD_MEASURE, actor=process_owner, reason="One more KPI."
        )
        add_kpi(initiative, "incident.sla_met_pct", actor=process_owner)
        for ikpi in initiative.kpis.all():
            services.do_update_initiative_kpi(ikpi, actor=process_owner, change_on=CHANGE_DAY)
        walk_to_step(initiative, Step.PRESENT, actor=process_owner, today=TODAY)
        assert initiative.kpis.count() == 2

    assert_constant_queries(
        "improvement", "report_page", lambda: reader.get(url(initiative)), add_rows
    )
