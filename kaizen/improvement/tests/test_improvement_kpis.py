"""The improvement register's KPIs in the KPI library, measured from small registers built
through the services: open initiatives (with the count per step), corrective actions on time,
initiatives that reached their target and the share of the targeted gap closed; collected into
measurements, shown on the KPI pages with their data quality, and kept out of custom KPIs.

The services stamp rows with the moment they run (created_at, closed_at, evaluated_at); where
a test needs rows on known days it moves those stamps afterwards, which is arranging test
data, not a domain write."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.kpi_rows import gap_closed_pct, rows_in_scope
from kaizen.improvement.models import ActionStatus, DecisionKind, Evaluation, Initiative, Status
from kaizen.improvement.tests.helpers import (
    add_kpi,
    implement,
    make_initiative,
    walk_to_step,
)
from kaizen.kpis import engine, library, quality
from kaizen.kpis.models import Measurement, MeasurementSource
from kaizen.kpis.services import do_collect_measurements
from kaizen.kpis.spec import Direction, Source
from kaizen.kpis.tests.helpers import custom_kpi_fields
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db

OPEN = "improvement.initiatives_open"
ON_TIME = "improvement.completed_on_time_pct"
TARGETS = "improvement.targets_met_pct"
BENEFITS = "improvement.benefits_realised_pct"
JAN, FEB, MAR, APR = (dt.date(2026, month, 1) for month in (1, 2, 3, 4))
AFTER_WINDOW = dt.date(2026, 5, 10)  # the helpers' evaluation window ends on 3 May


def kpi(key):
    return library.get_kpi(key)


def compute(key, **options):
    return engine.compute(kpi(key), **options).rows


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def stamp(initiative, **moments):
    """Move the services' time stamps of an initiative to known days (test data)."""
    Initiative.objects.filter(pk=initiative.pk).update(**moments)
    initiative.refresh_from_db()


def months(rows):
    return {row["period"]: (row["value"], row["n"]) for row in rows}


# -- the definitions ------------------------------------------------------------------------


def test_the_register_kpis_are_measurable_from_the_register():
    for key in (OPEN, ON_TIME, TARGETS, BENEFITS):
        definition = kpi(key)
        assert definition.measurable and definition.measure.source == Source.IMPROVEMENT
        assert definition.process == "improvement"
    assert not kpi("improvement.ideas_submitted").measurable


def test_it_refuses_the_register_as_a_custom_kpi_source():
    with pytest.raises(ValidationError) as raised:
        from kaizen.kpis.services import do_save_custom_kpi

        do_save_custom_kpi(
            None, actor=None, **custom_kpi_fields(source="improvement", period_column="closed_at")
        )
    assert "source" in raised.value.message_dict


# -- open initiatives -----------------------------------------------------------------------


def test_it_counts_initiatives_open_at_each_period_end(process_owner):
    early = make_initiative(owner=process_owner, title="Early")
    later = make_initiative(owner=process_owner, title="Later")
    stamp(early, created_at=at(dt.date(2026, 1, 10)))
    stamp(later, created_at=at(dt.date(2026, 2, 20)))
    stopped = walk_to_step(
        make_initiative(owner=process_owner, title="Stopped in March"), 6, actor=process_owner
    )
    services.do_record_decision(
        stopped, actor=process_owner, decision=DecisionKind.STOP, rationale="Not worth it."
    )
    stamp(stopped, created_at=at(dt.date(2026, 1, 5)), closed_at=at(dt.date(2026, 3, 15)))
    assert stopped.status == Status.STOPPED

    rows = compute(OPEN, period="month", start=JAN, end=dt.date(2026, 5, 1))

    # end of Jan: early, stopped | Feb: + later | Mar: stopped closed | Apr: same
    assert months(rows) == {
        "2026-01-01": (2.0, 2),
        "2026-02-01": (3.0, 3),
        "2026-03-01": (2.0, 2),
        "2026-04-01": (2.0, 2),
    }
    # the stopped one was at step 6 from now on, so at step 1 at those past period ends
    assert [row["steps"]["1"] for row in rows] == [2, 3, 2, 2]
    assert rows_in_scope(kpi(OPEN), start=JAN, end=dt.date(2026, 5, 1)) == 3
    assert rows_in_scope(kpi(OPEN), start=APR, end=dt.date(2026, 5, 1)) == 2


def test_it_counts_each_open_initiative_at_the_step_it_was_then(process_owner):
    initiative = make_initiative(owner=process_owner)
    walk_to_step(initiative, 3, actor=process_owner)  # the step changes are journaled now
    stamp(initiative, created_at=at(dt.date(2026, 1, 10)))
    this_month = timezone.localdate().replace(day=1)

    rows = compute(OPEN, period="month", start=JAN, end=None)

    january = rows[0]
    assert january["period"] == "2026-01-01" and january["value"] == 1
    assert january["steps"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0}
    current = next(row for row in rows if row["period"] == this_month.isoformat())
    assert current["steps"]["3"] == 1 and sum(current["steps"].values()) == 1
    assert rows[-1]["period"] == this_month.isoformat()  # the register's series runs to today


def test_it_breaks_open_initiatives_down_by_service_and_priority(process_owner):
    email, vpn = make_service("Email"), make_service("VPN")
    make_initiative(owner=process_owner, services=[email, vpn], priority=1)
    make_initiative(owner=process_owner, services=[email], priority=3)
    make_initiative(owner=process_owner, priority=3)

    by_service = compute(OPEN, period="all", by=["service"])
    assert [(row["service"], row["value"]) for row in by_service] == [
        ("Email", 2.0),
        ("VPN", 1.0),
        (None, 1.0),
    ]
    by_priority = compute(OPEN, period="all", by=["priority"])
    assert [(row["priority"], row["value"]) for row in by_priority] == [(1, 1.0), (3, 2.0)]
    assert compute(OPEN, period="all", by=["team"]) == []  # initiatives have no team


def test_an_empty_register_has_no_periods_unless_a_range_is_asked():
    assert compute(OPEN, period="month") == []
    rows = compute(ON_TIME, period="month", start=JAN, end=MAR)
    assert rows == [
        {"period": "2026-01-01", "value": None, "n": 0},
        {"period": "2026-02-01", "value": None, "n": 0},
    ]


# -- corrective actions, targets, benefits --------------------------------------------------


def test_it_measures_actions_done_by_their_due_date(process_owner):
    initiative = walk_to_step(make_initiative(owner=process_owner), 7, actor=process_owner)
    due = dt.date(2026, 3, 10)

    def action(title, **progress):
        made = services.do_create_action(
            initiative, actor=process_owner, title=title, owner=process_owner, due_on=due
        )
        if progress:
            services.do_update_action(made, actor=process_owner, **progress)

    action("On time", status=ActionStatus.DONE, done_on=due)
    action("Late", status=ActionStatus.DONE, done_on=dt.date(2026, 3, 12))
    action("Late, April", status=ActionStatus.DONE, done_on=dt.date(2026, 4, 2))
    action("Cancelled", status=ActionStatus.CANCELLED)
    action("Still open")

    assert months(compute(ON_TIME, period="month", start=MAR, end=dt.date(2026, 5, 1))) == {
        "2026-03-01": (50.0, 2),
        "2026-04-01": (0.0, 1),
    }
    assert rows_in_scope(kpi(ON_TIME), start=MAR, end=APR) == 2


@pytest.fixture
def evaluated(process_owner):
    """Three closed initiatives on the seeded history (median resolution time about 20 h
    before the change, 10 h after): one meeting a 12 h target, one missing an 8 h target,
    one stopped at step 6."""

    def evaluate(title, target):
        initiative = make_initiative(owner=process_owner, title=title)
        add_kpi(initiative, actor=process_owner, target=target)
        walk_to_step(initiative, 7, actor=process_owner)
        implement(initiative, actor=process_owner)
        return services.do_evaluate_initiative(initiative, actor=process_owner, today=AFTER_WINDOW)

    met = evaluate("Met", 12.0)
    missed = evaluate("Missed", 8.0)
    stopped = walk_to_step(
        make_initiative(owner=process_owner, title="Stopped"), 6, actor=process_owner
    )
    services.do_record_decision(
        stopped, actor=process_owner, decision=DecisionKind.STOP, rationale="Not worth it."
    )
    return met, missed


def test_it_measures_the_share_of_evaluated_initiatives_that_met_their_target(evaluated):
    met, missed = evaluated
    assert met.target_met and not missed.target_met
    assert Initiative.objects.filter(status=Status.STOPPED).count() == 1

    [row] = compute(TARGETS, period="all")
    assert (row["value"], row["n"]) == (50.0, 2)  # the stopped one is left out
    closed_month = timezone.localdate().replace(day=1).isoformat()
    assert months(compute(TARGETS, period="month"))[closed_month] == (50.0, 2)


def test_it_measures_the_share_of_the_targeted_gap_closed(evaluated):
    met, missed = evaluated
    shares = []
    for evaluation in (met, missed):
        [result] = evaluation.results
        baseline, value = result["baseline"]["value"], result["value"]
        assert baseline > 15 and value < 13  # the seeded drop from ~20 h to ~10 h
        shares.append(min(100.0, 100 * (baseline - value) / (baseline - result["target"])))
    assert shares[0] == 100  # past the 12 h target: capped
    assert 60 < shares[1] < 100  # most of the way to 8 h

    [row] = compute(BENEFITS, period="all")
    assert row["n"] == 2 and row["value"] == pytest.approx(sum(shares) / 2)
    Evaluation.objects.filter(pk=met.pk).update(evaluated_at=at(dt.date(2026, 3, 3)))
    by_month = months(compute(BENEFITS, period="month", start=MAR, end=APR))
    assert by_month == {"2026-03-01": (100.0, 1)}


@pytest.mark.parametrize(
    ("baseline", "value", "target", "direction", "share"),
    [
        (20, 15, 10, Direction.LOWER_IS_BETTER, 50),
        (20, 25, 10, Direction.LOWER_IS_BETTER, 0),  # worse than the baseline
        (20, 5, 10, Direction.LOWER_IS_BETTER, 100),  # beyond the target
        (80, 90, 95, Direction.HIGHER_IS_BETTER, 100 * 10 / 15),
        (80, 90, 95, None, 100 * 10 / 15),  # the target says which way is good
        (5, 6, 8, Direction.LOWER_IS_BETTER, None),  # the baseline met the target already
        (10, 9, 10, None, None),  # no gap
        (None, 9, 10, None, None),
    ],
)
def test_the_gap_closed_is_capped_and_needs_a_gap(baseline, value, target, direction, share):
    got = gap_closed_pct(baseline, value, target, direction)
    assert got == (None if share is None else pytest.approx(share))


# -- through the KPI app --------------------------------------------------------------------


def test_they_are_collected_into_measurements_and_shown_on_the_kpi_pages(web, agent, process_owner):
    from kaizen.analytics.store import connect
    from kaizen.analytics.sync import CURSOR

    with connect() as connection:  # the store has synced up to event 41: not what it read
        connection.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [CURSOR, "41"])
    email = make_service("Email")
    initiative = make_initiative(owner=process_owner, services=[email])
    stamp(initiative, created_at=at(dt.date(2026, 2, 3)))

    run = do_collect_measurements(
        actor=None,
        keys=[OPEN, ON_TIME, TARGETS, BENEFITS],
        period_kinds=["month"],
        breakdowns=["service", "team"],
        start=FEB,
        end=APR,
    )

    assert run.not_measurable == []
    stored = Measurement.objects.filter(kpi_key=OPEN, period_kind="month", dimension="")
    assert [(m.period_start, m.value, m.n) for m in stored] == [(FEB, 1.0, 1), (MAR, 1.0, 1)]
    assert stored[0].source == MeasurementSource.IMPROVEMENT and stored[0].run == run
    assert run.synced_event_id == 41 and stored[0].synced_event_id is None
    assert Measurement.objects.filter(kpi_key=OPEN, dimension="service").count() == 2
    assert not Measurement.objects.filter(kpi_key=OPEN, dimension="team").exists()
    assert Measurement.objects.filter(kpi_key=ON_TIME, dimension="").count() == 2  # None, n 0

    page = web(agent).get(f"/kpis/{OPEN}/?period=month")
    assert page.status_code == 200
    assert "Data quality" in page.content.decode()
    assert "from the improvement register" in page.content.decode()  # where the figures came from
    assert web(agent).get("/kpis/?period=month").status_code == 200


def test_their_data_quality_reads_the_register(process_owner):
    make_initiative(owner=process_owner)
    today = timezone.localdate()
    start = today.replace(day=1)
    report = quality.data_quality(kpi(OPEN), period="month", start=start)
    assert report["measurable"] and report["source"] == "improvement"
    assert report["rows_in_scope"] == 1 and report["required_fields"] == []
    assert report["verdict"] == "good"  # a count: exact at any size
    report = quality.data_quality(kpi(ON_TIME), period="month", start=start)
    assert report["verdict"] == "no_data"


# -- as an initiative's KPI -----------------------------------------------------------------


def test_an_initiative_kpi_of_the_register_collects_from_the_register(process_owner):
    from kaizen.improvement.selectors import collection_status

    initiative = make_initiative(owner=process_owner)
    open_kpi = add_kpi(initiative, OPEN, schedule="daily")
    on_time = add_kpi(initiative, ON_TIME)
    later = make_initiative(owner=process_owner, title="Later")
    stamp(initiative, created_at=at(dt.date(2026, 3, 2)))
    stamp(later, created_at=at(dt.date(2026, 3, 9)))

    status = collection_status(open_kpi, today=dt.date(2026, 3, 10))

    assert status["status"] == "ok"
    assert status["last_data_at"] == at(dt.date(2026, 3, 9)).isoformat()
    assert status["source"].startswith("the improvement register")
    assert "register" in status["explanation"]
    # live rows do not go stale: nothing registered for months is still the register's truth
    assert collection_status(open_kpi, today=dt.date(2026, 9, 1))["status"] == "ok"
    nothing_done = collection_status(on_time, today=dt.date(2026, 3, 10))
    assert nothing_done["status"] == "no data"
    assert "no corrective action done" in nothing_done["explanation"]


def test_an_initiative_kpi_of_the_register_takes_no_cleaning_rule(process_owner):
    from kaizen.improvement.forms import CleaningRuleForm

    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative, ON_TIME)
    with pytest.raises(ValidationError) as raised:
        services.do_add_cleaning_rule(
            ikpi, actor=None, kind="cap", column="value", value=5, reason="Too high"
        )
    [message] = raised.value.message_dict["initiative_kpi"]
    assert "improvement register" in message and "cannot be cleaned" in message
    form = CleaningRuleForm(
        {"kind": "cap", "column": "", "reason": "Too high"}, definition=kpi(ON_TIME)
    )
    assert not form.is_valid() and "cannot be cleaned" in str(form.non_field_errors())


def test_an_initiative_kpi_of_the_register_is_analysed_without_store_provenance(process_owner):
    from kaizen.analytics.store import connect
    from kaizen.analytics.sync import CURSOR

    with connect() as connection:  # the store has synced up to event 41: not what it read
        connection.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [CURSOR, "41"])
    initiative = make_initiative(owner=process_owner)
    stamp(initiative, created_at=at(dt.date(2026, 1, 7)))
    ikpi = add_kpi(
        initiative,
        OPEN,
        period_kind="month",
        analysis_starts_on=JAN,
        analysis_ends_on=dt.date(2026, 3, 31),
    )

    analysis = services.do_analyse_kpi(ikpi, actor=process_owner, today=dt.date(2026, 4, 15))

    assert [(row["period"], row["value"]) for row in analysis.result["series"]] == [
        ("2026-01-01", 1.0),
        ("2026-02-01", 1.0),
        ("2026-03-01", 1.0),
    ]
    assert analysis.synced_event_id is None and analysis.result["synced_event_id"] is None
