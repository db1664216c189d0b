"""The gates of the seven steps: each blocks without its outputs and passes with them; strict
and advisory mode; many initiatives' gates in a constant number of queries."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizen.improvement import services
from kaizen.improvement.gates import GateBlocked, all_gates, gate, gates_for
from kaizen.improvement.models import Gap, GapStatus, Initiative, Status
from kaizen.improvement.tests.helpers import (
    WALK_TODAY,
    add_kpi,
    ensure_history,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db
TODAY = WALK_TODAY


@pytest.fixture
def initiative(process_owner):
    return make_initiative(owner=process_owner, goals=[make_goal()])


def advance(initiative, actor, **options):
    return services.do_advance_step(initiative, actor=actor, today=TODAY, **options)


# -- step 1 --------------------------------------------------------------------------------------


def test_it_blocks_step_1_without_kpis_or_goals(process_owner):
    bare = make_initiative(owner=process_owner)
    result = gate(bare)
    assert not result.passed
    assert "Choose at least one KPI to measure" in result.missing
    assert "Link the initiative to at least one goal it serves" in result.missing
    with pytest.raises(GateBlocked) as error:
        advance(bare, process_owner)
    assert error.value.missing == result.missing
    assert "current_step" in error.value.message_dict
    bare.refresh_from_db()
    assert bare.current_step == 1


def test_it_names_kpis_without_target_or_goal(initiative):
    add_kpi(initiative, "incident.opened", goal=None)  # a volume count ships without a target
    initiative.goals.clear()
    result = gate(initiative)
    assert "KPI incident.opened has no target" in result.missing
    assert "KPI incident.opened is not tied to a goal" in result.missing


def test_it_passes_step_1_with_targets_and_goals_and_journals_the_move(initiative, process_owner):
    add_kpi(initiative)
    assert gate(initiative).passed
    advance(initiative, process_owner)
    assert initiative.current_step == 2
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.event_type == EventType.INITIATIVE_STEP_CHANGED
    assert event.data == {"from": 1, "to": 2, "missing": [], "override_reason": ""}


# -- step 2 --------------------------------------------------------------------------------------


def test_it_blocks_step_2_until_the_data_is_assessed_after_the_last_kpi_change(
    initiative, process_owner
):
    ensure_history()
    walk_to_step(initiative, 2, actor=process_owner)
    assert gate(initiative).missing == ["Compute the data assessment"]
    services.do_assess_data(initiative, actor=process_owner, today=TODAY)
    assert gate(initiative).passed
    add_kpi(initiative, "incident.sla_met_pct")
    missing = gate(initiative).missing
    assert len(missing) == 1 and missing[0].startswith("Compute the data assessment again")
    services.do_assess_data(initiative, actor=process_owner, today=TODAY)
    assert gate(initiative).passed


def test_it_blocks_step_2_on_a_gap_nobody_has_answered(initiative, process_owner):
    ensure_history()
    add_kpi(initiative, period_kind="day")  # 6 incidents a day: small samples
    walk_to_step(initiative, 2, actor=process_owner)
    services.do_assess_data(initiative, actor=process_owner, today=TODAY)
    result = gate(initiative)
    assert not result.passed
    assert any("fewer than 30 values" in item for item in result.missing)
    gap = Gap.objects.get(initiative=initiative, code="small_samples")
    services.do_update_gap(gap, actor=process_owner, action="Analyse by week instead")
    assert gate(initiative).passed


def test_it_passes_a_not_measurable_kpi_only_when_its_gap_is_accepted(initiative, process_owner):
    ensure_history()
    add_kpi(initiative)
    add_kpi(initiative, "improvement.ideas_submitted")
    walk_to_step(initiative, 2, actor=process_owner)
    services.do_assess_data(initiative, actor=process_owner, today=TODAY)
    gap = Gap.objects.get(initiative=initiative, kpi_key="improvement.ideas_submitted")
    assert gap.code == "not_measurable"
    services.do_update_gap(gap, actor=process_owner, action="Import changes from the old tool")
    result = gate(initiative)
    assert [item for item in result.missing if "improvement.ideas_submitted" in item]
    services.do_update_gap(gap, actor=process_owner, status=GapStatus.ACCEPTED)
    assert gate(initiative).passed


# -- step 3 --------------------------------------------------------------------------------------


def test_it_blocks_step_3_without_schedule_source_or_data(initiative, process_owner):
    add_kpi(initiative)
    Initiative.objects.filter(pk=initiative.pk).update(current_step=3)
    initiative.refresh_from_db()
    missing = gate(initiative, today=TODAY).missing
    key = "incident.resolution_hours_median"
    assert f"KPI {key} has no collection schedule" in missing
    assert f"KPI {key} has no source description" in missing
    assert any(item.startswith(f"KPI {key}: no data") for item in missing)
    ensure_history()
    ikpi = initiative.kpis.get()
    services.do_update_initiative_kpi(
        ikpi, actor=process_owner, schedule="hourly", source_description="Kaizen incidents"
    )
    assert gate(initiative, today=TODAY).passed


# -- step 4 --------------------------------------------------------------------------------------


def test_it_blocks_step_4_until_the_processing_is_confirmed(initiative, process_owner):
    walk_to_step(initiative, 4, actor=process_owner)
    ikpi = initiative.kpis.get()
    assert gate(initiative).missing == [
        f"KPI {ikpi.kpi_key}: confirm its processing (period, breakdown and cleaning rules)"
    ]
    services.do_update_initiative_kpi(ikpi, actor=process_owner, processing_confirmed=True)
    assert gate(initiative).passed


# -- step 5 --------------------------------------------------------------------------------------


def test_it_blocks_step_5_without_a_current_analysis_and_a_baseline(initiative, process_owner):
    walk_to_step(initiative, 5, actor=process_owner)
    ikpi = initiative.kpis.get()
    assert gate(initiative).missing == [
        f"KPI {ikpi.kpi_key} has not been analysed",
        f"KPI {ikpi.kpi_key} has no baseline: record it from the analysis",
    ]
    analysis = services.do_analyse_kpi(ikpi, actor=process_owner, today=TODAY)
    services.do_record_baseline(ikpi, actor=process_owner, analysis=analysis)
    assert gate(initiative).passed
    services.do_add_cleaning_rule(
        ikpi,
        actor=process_owner,
        kind="outlier_iqr",
        column="resolution_hours",
        reason="Forgotten tickets",
    )
    missing = gate(initiative).missing
    assert len(missing) == 1 and "analyse it again" in missing[0]
    services.do_analyse_kpi(ikpi, actor=process_owner, today=TODAY)
    assert gate(initiative).passed


# -- step 6 --------------------------------------------------------------------------------------


def test_it_passes_step_6_only_on_a_decision_to_implement(initiative, process_owner):
    walk_to_step(initiative, 6, actor=process_owner)
    assert gate(initiative).missing == ["Record the decision: implement, keep measuring or stop"]
    services.do_record_decision(
        initiative, actor=process_owner, decision="keep_measuring", rationale="Wait a month"
    )
    initiative.refresh_from_db()
    assert initiative.current_step == 3
    walk_to_step(initiative, 6, actor=process_owner)
    assert "did not decide to implement" in gate(initiative).missing[0]
    services.do_record_decision(
        initiative, actor=process_owner, decision="implement", rationale="Now"
    )
    initiative.refresh_from_db()
    assert initiative.current_step == 7
    assert gate(initiative, 6).passed


def test_it_asks_for_a_new_analysis_after_the_decision_to_keep_measuring(initiative, process_owner):
    walk_to_step(initiative, 6, actor=process_owner)
    services.do_record_decision(
        initiative, actor=process_owner, decision="keep_measuring", rationale="One more month"
    )
    advance(initiative, process_owner)  # the collection and processing still hold
    advance(initiative, process_owner)
    assert initiative.current_step == 5
    (missing,) = gate(initiative).missing
    assert "analyse it again with the data gathered since the decision" in missing
    services.do_analyse_kpi(initiative.kpis.get(), actor=process_owner, today=TODAY)
    assert gate(initiative).passed


# -- step 7 --------------------------------------------------------------------------------------


def test_it_does_not_advance_past_step_7(initiative, process_owner):
    walk_to_step(initiative, 7, actor=process_owner)
    with pytest.raises(ValidationError) as error:
        advance(initiative, process_owner, override_reason="please")
    assert "last" in error.value.message_dict["current_step"][0]


def test_it_reports_what_step_7_lacks_until_evaluated(initiative, process_owner):
    walk_to_step(initiative, 7, actor=process_owner)
    assert gate(initiative).missing[0] == "Create at least one corrective action"
    implement(initiative, actor=process_owner)
    result = gate(initiative, today=dt.date(2026, 4, 20))
    assert result.missing == [
        "The evaluation window runs until 3 May 2026",
        "Evaluate the initiative after 3 May 2026",
    ]
    assert "1 action done" in result.done
    services.do_evaluate_initiative(initiative, actor=process_owner, today=dt.date(2026, 5, 4))
    assert gate(initiative, today=dt.date(2026, 5, 4)).passed


# -- modes ---------------------------------------------------------------------------------------


def test_it_lets_an_advisory_step_pass_with_a_reason_and_journals_what_was_missing(
    process_owner,
):
    initiative = make_initiative(owner=process_owner, gate_mode="advisory")
    with pytest.raises(GateBlocked) as error:
        advance(initiative, process_owner)
    assert "override_reason" in error.value.message_dict
    assert error.value.missing == gate(initiative).missing
    advance(initiative, process_owner, override_reason="KPIs agreed in the CAB, entered later")
    assert initiative.current_step == 2
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.data["override_reason"] == "KPIs agreed in the CAB, entered later"
    assert "Choose at least one KPI to measure" in event.data["missing"]


def test_it_ignores_an_override_reason_in_strict_mode(process_owner):
    initiative = make_initiative(owner=process_owner)
    with pytest.raises(GateBlocked):
        advance(initiative, process_owner, override_reason="just this once")


def test_it_refuses_to_move_a_closed_initiative(initiative, process_owner):
    add_kpi(initiative)
    Initiative.objects.filter(pk=initiative.pk).update(status=Status.STOPPED)
    with pytest.raises(ValidationError) as error:
        advance(initiative, process_owner)
    assert "status" in error.value.message_dict


def test_it_returns_to_an_earlier_step_with_a_reason(initiative, process_owner):
    walk_to_step(initiative, 4, actor=process_owner)
    with pytest.raises(ValidationError) as error:
        services.do_return_to_step(initiative, 2, actor=process_owner, reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.do_return_to_step(initiative, 5, actor=process_owner, reason="forward?")
    assert "step" in error.value.message_dict
    services.do_return_to_step(initiative, 2, actor=process_owner, reason="Gap reopened")
    assert initiative.current_step == 2
    event = JournalEvent.objects.for_subject(initiative).latest("id")
    assert event.data == {"from": 4, "to": 2, "reason": "Gap reopened", "returned": True}


# -- many at once --------------------------------------------------------------------------------


def one_at_each_step(owner) -> list[Initiative]:
    made = []
    for step in range(1, 8):
        initiative = make_initiative(owner=owner, goals=[make_goal()])
        made.append(walk_to_step(initiative, step, actor=owner))
    return made


def test_it_computes_many_gates_in_a_constant_number_of_queries(process_owner):
    ensure_history()
    first = one_at_each_step(process_owner)
    counts = []
    for initiatives in (first, first + one_at_each_step(process_owner)):
        listed = list(Initiative.objects.filter(pk__in=[i.pk for i in initiatives]))
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as captured:
            results = gates_for(listed, today=TODAY)
        counts.append(len(captured.captured_queries))
        assert {results[i.pk].step for i in listed} == set(range(1, 8))
    assert counts[0] == counts[1]
    assert counts[0] <= 15
    by_id = gates_for(first, today=TODAY)
    for initiative in first:  # the same answers as one initiative's gate
        assert by_id[initiative.pk] == gate(initiative, today=TODAY)


def test_it_computes_all_seven_gates_of_an_initiative_as_each_step_would(process_owner):
    ensure_history()
    for initiative in one_at_each_step(process_owner):
        initiative.refresh_from_db()
        each = [gate(initiative, step, today=TODAY) for step in range(1, 8)]
        assert all_gates(initiative, today=TODAY) == each
    implement(initiative, actor=process_owner)  # step 7 with its outputs: actions, a window
    initiative.refresh_from_db()
    each = [gate(initiative, step, today=TODAY) for step in range(1, 8)]
    assert all_gates(initiative, today=TODAY) == each
    assert [result.passed for result in each[:6]] == [True] * 6


def test_it_reads_each_kind_of_output_once_for_all_seven_gates(process_owner):
    ensure_history()
    initiative = walk_to_step(
        make_initiative(owner=process_owner, goals=[make_goal()]), 7, actor=process_owner
    )
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as seven:
        all_gates(initiative, today=TODAY)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as one_by_one:
        for step in range(1, 8):
            gate(initiative, step, today=TODAY)
    assert len(seven.captured_queries) < len(one_by_one.captured_queries)
    assert len(seven.captured_queries) <= 15
