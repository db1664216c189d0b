"""Step 7's end: the evaluation after the window, the baseline adopted when the target is
met, and the next cycle that carries it; on the seeded history, whose resolution times drop
from about 20 to about 10 hours on 6 April 2026."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.improvement import services, tasks
from kaizen.improvement.models import (
    BaselineSource,
    Evaluation,
    Initiative,
    Origin,
    Status,
)
from kaizen.improvement.tests.helpers import (
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
WINDOW_START, WINDOW_END = dt.date(2026, 4, 6), dt.date(2026, 5, 3)  # 28 days from the change
AFTER = dt.date(2026, 5, 4)


def evaluating(owner, *, target: float, **history) -> Initiative:
    """At step 7, the action done on 5 April: evaluating from 6 April to 3 May."""
    ensure_history(**history)
    initiative = make_initiative(owner=owner, goals=[make_goal()])
    ikpi = add_kpi(initiative, target=target, warning=None)
    services.do_add_cleaning_rule(
        ikpi, actor=owner, kind="outlier_iqr", column="resolution_hours", reason="Parked tickets"
    )
    walk_to_step(initiative, 7, actor=owner)
    implement(initiative, actor=owner)
    assert (initiative.status, initiative.evaluation_starts_on, initiative.evaluation_ends_on) == (
        Status.EVALUATING,
        WINDOW_START,
        WINDOW_END,
    )
    return initiative


def events(initiative, event_type):
    return list(JournalEvent.objects.for_subject(initiative).filter(event_type=event_type))


def test_it_completes_an_initiative_whose_target_is_met_and_adopts_the_new_level(process_owner):
    initiative = evaluating(process_owner, target=15)
    evaluation = services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER)
    assert evaluation.target_met is True and evaluation.baseline_adopted is True
    assert (evaluation.window_start, evaluation.window_end, evaluation.cycle) == (
        WINDOW_START,
        WINDOW_END,
        1,
    )
    (result,) = evaluation.results
    assert result["met"] is True and result["periods"] == 4
    assert 8 < result["value"] < 13
    assert result["before_after"]["outcome"] == "improved"
    assert result["baseline"]["version"] == 1 and result["baseline"]["value"] > 18
    assert "met" in result["explanation"]
    initiative.refresh_from_db()
    assert initiative.status == Status.COMPLETED and initiative.closed_at is not None
    ikpi = initiative.kpis.get()
    analysis = ikpi.analyses.get(pk=result["analysis_id"])
    assert analysis.purpose == "evaluation" and analysis.change_on == WINDOW_START
    assert analysis.range_start == dt.date(2026, 1, 5)  # from the baseline's start
    assert analysis.result["cleaning"][0]["kind"] == "outlier_iqr"  # cleaned as in step 5
    adopted = ikpi.baselines.get(version=2)
    assert adopted.source == BaselineSource.ADOPTED and adopted.analysis == analysis
    assert (adopted.starts_on, adopted.ends_on, adopted.n) == (WINDOW_START, WINDOW_END, 4)
    assert adopted.value == pytest.approx(result["value"])
    assert ikpi.baselines.get(version=1).source == BaselineSource.MEASURED  # kept
    (recorded,) = events(initiative, EventType.EVALUATION_RECORDED)
    assert recorded.data["evaluation"] == evaluation.pk and recorded.data["target_met"] is True
    assert recorded.changes["status"] == {"old": "evaluating", "new": "completed"}
    assert recorded.data["forced"] is False
    assert events(initiative, EventType.BASELINE_RECORDED)[-1].data["source"] == "adopted"


def test_it_closes_as_not_met_when_the_window_misses_the_target(process_owner):
    initiative = evaluating(process_owner, target=5)
    evaluation = services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER)
    assert evaluation.target_met is False and evaluation.baseline_adopted is False
    (result,) = evaluation.results
    assert result["met"] is False and result["before_after"]["outcome"] == "improved"
    assert "not met" in result["explanation"]
    initiative.refresh_from_db()
    assert initiative.status == Status.NOT_MET and initiative.closed_at is not None
    assert initiative.kpis.get().baselines.count() == 1


def test_it_does_not_count_a_significant_worsening_as_met_even_on_target(process_owner):
    initiative = evaluating(process_owner, target=40, hours_before=10.0, hours_after=20.0)
    evaluation = services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER)
    (result,) = evaluation.results
    assert result["value"] < 40 and result["before_after"]["outcome"] == "worsened"
    assert result["met"] is False and evaluation.target_met is False
    assert "significantly worse" in result["explanation"]


def test_it_waits_for_the_window_to_end(process_owner):
    initiative = evaluating(process_owner, target=15)
    with pytest.raises(ValidationError) as error:
        services.do_evaluate_initiative(initiative, actor=process_owner, today=WINDOW_END)
    assert "3 May 2026" in error.value.message_dict["evaluation_ends_on"][0]
    assert not Evaluation.objects.exists()


def test_it_lets_the_csi_manager_evaluate_early_and_journals_it(process_owner, csi_manager):
    initiative = evaluating(process_owner, target=15)
    early = dt.date(2026, 4, 28)
    with pytest.raises(ValidationError) as error:
        services.do_evaluate_initiative(initiative, actor=process_owner, today=early, force=True)
    assert "force" in error.value.message_dict
    evaluation = services.do_evaluate_initiative(
        initiative, actor=csi_manager, today=early, force=True
    )
    assert evaluation.window_end == dt.date(2026, 4, 27)
    assert evaluation.results[0]["periods"] == 3
    recorded = events(initiative, EventType.EVALUATION_RECORDED)[-1]
    assert recorded.data["forced"] is True and recorded.data["window_ends_on"] == "2026-05-03"


def test_it_evaluates_only_an_initiative_whose_actions_are_finished(process_owner):
    ensure_history()
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    walk_to_step(initiative, 7, actor=process_owner)
    with pytest.raises(ValidationError) as error:
        services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER)
    assert "status" in error.value.message_dict


def test_it_opens_the_next_cycle_with_the_kpis_rules_and_adopted_baseline(process_owner):
    initiative = evaluating(process_owner, target=15)
    services.do_update_initiative_kpi(initiative.kpis.get(), actor=None, schedule="hourly")
    services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER)
    initiative.refresh_from_db()
    with pytest.raises(ValidationError):
        services.do_update_initiative(initiative, actor=None, title="Closed records stay")
    following = services.do_open_next_cycle(initiative, actor=process_owner)
    assert following.title == "Faster incident resolution (cycle 2)"
    assert (following.cycle, following.previous, following.origin) == (
        2,
        initiative,
        Origin.PREVIOUS_CYCLE,
    )
    assert (following.current_step, following.status) == (1, Status.ACTIVE)
    assert following.problem_statement == initiative.problem_statement
    assert following.owner == initiative.owner and following.gate_mode == initiative.gate_mode
    assert list(following.goals.all()) == list(initiative.goals.all())
    old, new = initiative.kpis.get(), following.kpis.get()
    assert (new.kpi_key, new.target, new.goal, new.schedule, new.period_kind, new.breakdown) == (
        old.kpi_key,
        15.0,
        old.goal,
        "hourly",
        old.period_kind,
        old.breakdown,
    )
    assert [(r.kind, r.column, r.reason) for r in new.cleaning_rules.all()] == [
        ("outlier_iqr", "resolution_hours", "Parked tickets")
    ]
    (carried,) = new.baselines.all()
    adopted = old.baselines.get(version=2)
    assert (carried.version, carried.source, carried.value, carried.starts_on) == (
        1,
        BaselineSource.CARRIED,
        adopted.value,
        adopted.starts_on,
    )
    assert events(initiative, EventType.CYCLE_OPENED)[0].data["next"] == following.pk
    opened = events(following, EventType.CYCLE_OPENED)[0]
    assert opened.data["previous"] == initiative.pk and opened.data["baselines"] == [carried.pk]
    with pytest.raises(ValidationError) as error:
        services.do_open_next_cycle(initiative, actor=process_owner)
    assert following.reference in error.value.message_dict["status"][0]


def test_it_numbers_later_cycles_without_repeating_the_suffix(process_owner):
    initiative = make_initiative(owner=process_owner, title="Fewer repeat incidents (cycle 2)")
    Initiative.objects.filter(pk=initiative.pk).update(status=Status.NOT_MET, cycle=2)
    initiative.refresh_from_db()
    following = services.do_open_next_cycle(initiative, actor=None)
    assert following.title == "Fewer repeat incidents (cycle 3)" and following.cycle == 3


def test_it_opens_a_next_cycle_only_after_the_evaluation(process_owner):
    initiative = make_initiative(owner=process_owner)
    with pytest.raises(ValidationError) as error:
        services.do_open_next_cycle(initiative, actor=None)
    assert "status" in error.value.message_dict


def test_the_daily_task_evaluates_the_initiatives_whose_window_has_ended(process_owner):
    due = evaluating(process_owner, target=15)
    other = make_initiative(owner=process_owner)
    outcome = tasks.evaluate_due_initiatives(today=AFTER)
    assert outcome == {"evaluated": [{"initiative": due.pk, "target_met": True}], "refused": {}}
    due.refresh_from_db()
    assert due.status == Status.COMPLETED
    assert events(due, EventType.EVALUATION_RECORDED)[0].actor is None  # the system
    other.refresh_from_db()
    assert other.status == Status.ACTIVE
    assert tasks.evaluate_due_initiatives(today=AFTER) == {"evaluated": [], "refused": {}}


def test_the_hourly_task_runs_the_opportunity_scanner(monkeypatch):
    from kaizen.improvement.services import opportunities

    calls = []

    class Scanned:
        def as_json(self):
            return {"created": []}

    def scan(*, today=None):
        calls.append(today)
        return Scanned()

    monkeypatch.setattr(opportunities, "do_scan_opportunities", scan)
    assert tasks.scan_for_opportunities(today=AFTER) == {"created": []}
    assert calls == [AFTER]
