"""The shipped KPI library: complete definitions, unique keys, the "can measure" gap listed,
custom KPIs merged in, and every measurable KPI computed on the hand-built story of
test_engine.py with its figures worked out by hand."""

from dataclasses import replace

import pytest

from kaizen.kpis import engine, library
from kaizen.kpis.sources import source_columns
from kaizen.kpis.spec import Direction, Source, Unit
from kaizen.kpis.tests.test_change_kpis import EXPECTED as CHANGE_EXPECTED
from kaizen.kpis.tests.test_engine import story  # noqa: F401 (fixture)
from kaizen.kpis.tests.test_problem_kpis import EXPECTED as PROBLEM_EXPECTED
from kaizen.kpis.tests.test_request_kpis import EXPECTED as REQUEST_EXPECTED
from kaizen.people.models import Process

MARCH, APRIL = "2016-03-01", "2016-04-01"
NONE = (None, 0)

# (value, n) by month for every measurable KPI of the library, over the story's six incidents
# and five events (see test_engine.STORY for the rows).
EXPECTED = {
    "incident.opened": {MARCH: (5, 5), APRIL: (1, 1)},  # 1,2,3,4,6 | 5
    "incident.resolved": {MARCH: (2, 2), APRIL: (2, 2)},  # 1,2 | 3,5
    "incident.backlog": {MARCH: (3, 3), APRIL: (1, 1)},  # 3,4,6 open on Apr 1 | 4 on May 1
    "incident.resolution_hours_mean": {MARCH: (14, 2), APRIL: (281, 2)},  # (4+24)/2 | (552+10)/2
    "incident.resolution_hours_median": {MARCH: (14, 2), APRIL: (281, 2)},
    "incident.resolution_hours_p90": {
        MARCH: (4 + 0.9 * (24 - 4), 2),  # linear between the two values
        APRIL: (10 + 0.9 * (552 - 10), 2),
    },
    "incident.first_response_hours_median": {MARCH: (1, 3), APRIL: (3, 1)},  # 0.5,1,2 | 3
    "incident.first_response_hours_p90": {MARCH: (1 + 0.8 * (2 - 1), 3), APRIL: (3, 1)},
    "incident.sla_met_pct": {MARCH: (50, 2), APRIL: (100, 1)},  # 3 has no verdict
    "incident.reopened_pct": {MARCH: (50, 2), APRIL: (0, 2)},
    "incident.reassignment_mean": {MARCH: (1, 2), APRIL: (0.5, 2)},  # (0+2)/2 | (1+0)/2
    "incident.reassigned_pct": {MARCH: (50, 2), APRIL: (50, 2)},
    "incident.first_contact_resolution_pct": {MARCH: (50, 2), APRIL: (100, 1)},
    "incident.resolution_business_hours_median": {MARCH: (6, 2), APRIL: (53, 2)},  # 4,8 | 100,6
    "incident.resolved_within_1_business_day_pct": {MARCH: (100, 2), APRIL: (50, 2)},
    "incident.major_count": {MARCH: (2, 2), APRIL: NONE},  # 2 and 4
    "incident.major_resolution_hours_median": {MARCH: (24, 1), APRIL: NONE},
    "incident.p1_resolution_hours_median": {MARCH: (4, 1), APRIL: (10, 1)},
    "incident.escalations": {MARCH: (2, 2), APRIL: NONE},  # 3->2, 2->1; 3->4 is a lowering
    "incident.team_transfers": {MARCH: NONE, APRIL: (1, 1)},  # None->Desk is no transfer
    "incident.self_service_pct": {MARCH: (25, 4), APRIL: (100, 1)},  # 6 has no channel
    "incident.monitoring_detected_pct": {MARCH: (25, 4), APRIL: (0, 1)},
    "incident.cancelled_pct": {MARCH: (20, 5), APRIL: (0, 1)},
    # Ages on Apr 1 00:00: 3 (Mar 10 08:00) 520 h, 4 (Mar 20 12:00) 276 h, 6 (Mar 25) 168 h;
    # on May 1: 4 alone, 996 h.
    "incident.backlog_age_hours_median": {MARCH: (276, 3), APRIL: (996, 1)},
    "incident.backlog_older_than_30_days": {MARCH: NONE, APRIL: (1, 1)},
    "service_level.resolution_breaches": {MARCH: (1, 1), APRIL: NONE},  # 2
    "service_level.sla_coverage_pct": {MARCH: (100, 2), APRIL: (50, 2)},
    # By opened_at over the incidents with a response verdict: March 1, 2, 3 met and 4 breached
    # waiting (6 has no response target) -> 3 of 4; April 5 met -> 1 of 1. Placed by the
    # response instead, 4 (never responded) would be left out and March would read 100 %.
    "service_level.response_sla_met_pct": {MARCH: (75, 4), APRIL: (100, 1)},
}

REQUIRED_INCIDENT_KEYS = (
    "incident.opened",
    "incident.resolved",
    "incident.backlog",
    "incident.resolution_hours_mean",
    "incident.resolution_hours_median",
    "incident.resolution_hours_p90",
    "incident.first_response_hours_median",
    "incident.sla_met_pct",
    "incident.reopened_pct",
    "incident.reassignment_mean",
    "incident.first_contact_resolution_pct",
)


# Measured from the improvement register's rows, not the store: their figures are worked out
# on hand-built registers in kaizen/improvement/tests/test_improvement_kpis.py.
AVAILABILITY_KEYS = {
    "availability.service_availability_pct",
    "availability.outage_hours",
    "availability.mtbf_hours",
    "availability.mtrs_hours",
}
# Counted over the store's outage facts; worked out in test_availability_kpis.py too.
OUTAGE_FACT_KEYS = {"availability.outages_confirmed"}
REGISTER_KEYS = {
    "improvement.initiatives_open",
    "improvement.completed_on_time_pct",
    "improvement.targets_met_pct",
    "improvement.benefits_realised_pct",
}


def measurable_keys(*sources: Source) -> set[str]:
    return {
        definition.key
        for definition in library.library()
        if definition.measure is not None and definition.measure.source in sources
    }


def test_it_has_every_measurable_kpi_under_test():
    # The problem KPIs over incident facts are worked out in test_problem_kpis.py.
    incident_keys = measurable_keys(Source.INCIDENTS, Source.INCIDENT_EVENTS)
    assert set(EXPECTED) == incident_keys - set(PROBLEM_EXPECTED)
    assert measurable_keys(Source.IMPROVEMENT) == REGISTER_KEYS
    # The change KPIs' figures are worked out on changes raised through the change services
    # in test_change_kpis.py, the availability KPIs' in test_availability_kpis.py, the
    # service levels one in kaizen/servicelevels/tests/test_kpi_source.py.
    assert measurable_keys(Source.SERVICE_LEVELS) == {"service_level.services_meeting_targets_pct"}
    assert measurable_keys(*Source) == (
        set(EXPECTED)
        | REGISTER_KEYS
        | set(CHANGE_EXPECTED)
        | set(PROBLEM_EXPECTED)
        | set(REQUEST_EXPECTED)
        | AVAILABILITY_KEYS
        | OUTAGE_FACT_KEYS
        | {"service_level.services_meeting_targets_pct"}
    )


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_it_measures_each_library_kpi(story, key):  # noqa: F811 (fixture)
    result = engine.compute(library.get_kpi(key), period="month")
    got = {row["period"]: (row["value"], row["n"]) for row in result.rows}
    assert got.keys() == EXPECTED[key].keys()
    for period, (value, n) in EXPECTED[key].items():
        assert got[period][1] == n, period
        assert got[period][0] == (None if value is None else pytest.approx(value)), period


def test_it_ships_at_least_thirty_kpis_with_unique_keys():
    keys = [definition.key for definition in library.library()]
    assert len(keys) >= 30
    assert len(keys) == len(set(keys))


def test_it_lists_every_itil_area_measurable_or_not():
    areas = {definition.key.split(".")[0] for definition in library.library()}
    assert {
        "incident",
        "problem",
        "change",
        "request",
        "service_level",
        "availability",
        "satisfaction",
        "improvement",
    } <= areas
    not_measurable = {d.key.split(".")[0] for d in library.library() if not d.measurable}
    # Requests (kaizen.requests) and the survey facts (kaizen.surveys) are measured.
    assert not {"availability", "request", "satisfaction"} & not_measurable
    # The register is measured, all but the ideas it has no box for.
    improvement = {d.key for d in library.library() if d.process == "improvement"}
    assert improvement - REGISTER_KEYS == {"improvement.ideas_submitted"}
    assert not library.get_kpi("improvement.ideas_submitted").measurable


@pytest.mark.parametrize("definition", library.library(), ids=lambda d: d.key)
def test_each_definition_is_complete(definition):
    assert definition.key and definition.name and definition.description and definition.formula
    assert definition.process in Process.values
    assert isinstance(definition.unit, Unit) and isinstance(definition.direction, Direction)
    assert definition.required_fields
    assert not definition.custom
    target, warning = definition.thresholds.target, definition.thresholds.warning
    if warning is not None:  # the amber band lies on the bad side of the target
        assert target is not None
        worse = (
            warning < target
            if definition.direction == Direction.HIGHER_IS_BETTER
            else (warning > target)
        )
        assert worse
    if definition.measure is None:
        assert definition.not_measurable_reason
        return
    assert definition.not_measurable_reason == ""
    assert engine.measure_errors(definition.measure) == []
    database_apps = {
        Source.IMPROVEMENT: "improvement",
        Source.AVAILABILITY: "availability",
        Source.SERVICE_LEVELS: "servicelevels",
        "service_reviews": "servicelevels",  # kaizen/servicelevels/review_kpi.py
    }
    if definition.measure.source in database_apps:
        # `<record>.<field>` of the measuring app's models, which require them
        from django.apps import apps

        app = database_apps[definition.measure.source]
        for name in definition.required_fields:
            record, field = name.split(".")
            assert apps.get_model(app, record.replace("_", ""))._meta.get_field(field)
        return
    columns = source_columns(definition.measure.source)
    assert set(definition.required_fields) <= set(columns)


@pytest.mark.parametrize("key", REQUIRED_INCIDENT_KEYS)
def test_the_core_incident_kpis_are_measured_from_incident_facts(key):
    definition = library.get_kpi(key)
    assert definition.measure is not None and definition.measure.source == Source.INCIDENTS
    assert key in library.CORE_INCIDENT_KPIS


def test_it_refuses_an_unknown_key(db):
    with pytest.raises(library.UnknownKPI, match="unknown KPI 'incident.nope'"):
        library.get_kpi("incident.nope")


def test_it_merges_custom_kpis_after_the_library(db):
    from kaizen.kpis.models import CustomKPI

    fields = {
        "name": "Network incidents",
        "process": "incident",
        "unit": "count",
        "direction": "lower",
        "source": "incident_facts",
        "period_column": "opened_at",
        "aggregate": "count",
        "filters": [{"column": "team", "operator": "eq", "value": "Network"}],
    }
    CustomKPI.objects.create(key="custom.network", **fields)
    CustomKPI.objects.create(key="custom.retired", active=False, **fields)

    keys = [definition.key for definition in library.all_kpis()]
    assert keys[: len(library.library())] == [d.key for d in library.library()]
    assert "custom.network" in keys and "custom.retired" not in keys
    assert library.get_kpi("custom.network").custom
    assert library.get_kpi("custom.retired").custom  # history of a retired KPI stays readable


def test_an_unknown_custom_key_is_unknown_and_library_keys_need_no_query(
    db, django_assert_num_queries
):
    with django_assert_num_queries(1), pytest.raises(library.UnknownKPI):
        library.get_kpi("custom.never-defined")
    with django_assert_num_queries(0):
        assert library.get_kpi("incident.opened").key == "incident.opened"


def test_many_kpis_are_looked_up_in_at_most_one_query(db, django_assert_num_queries):
    from kaizen.kpis.models import CustomKPI

    CustomKPI.objects.create(
        key="custom.retired",
        active=False,
        name="Retired",
        process="incident",
        unit="count",
        direction="lower",
        source="incident_facts",
        period_column="opened_at",
        aggregate="count",
    )
    with django_assert_num_queries(0):
        assert list(library.kpis_by_key(["incident.opened"])) == ["incident.opened"]
    with django_assert_num_queries(1):
        found = library.kpis_by_key(["incident.opened", "custom.retired", "custom.never"])
    assert sorted(found) == ["custom.retired", "incident.opened"]
    assert found["custom.retired"].custom and found["custom.retired"].name == "Retired"


def test_a_custom_kpi_is_computed_like_a_library_one(db, story):  # noqa: F811 (fixture)
    from kaizen.kpis.models import CustomKPI

    CustomKPI.objects.create(
        key="custom.network",
        name="Network incidents",
        process="incident",
        unit="count",
        direction="lower",
        source="incident_facts",
        period_column="opened_at",
        aggregate="count",
        filters=[{"column": "team", "operator": "eq", "value": "Network"}],
    )
    result = engine.compute(library.get_kpi("custom.network"), period="all")
    assert result.rows == [{"period": "all", "value": 2.0, "n": 2}]  # incidents 3 and 4


def test_the_documentation_lists_every_kpi():
    from pathlib import Path

    documented = (Path(__file__).resolve().parents[3] / "docs" / "kpis.md").read_text()
    assert [d.key for d in library.library() if f"`{d.key}`" not in documented] == []


def test_an_app_registers_its_kpis_after_the_library_s_own(monkeypatch):
    monkeypatch.setattr(library, "LIBRARY", list(library.LIBRARY))
    monkeypatch.setattr(library, "_BY_KEY", dict(library._BY_KEY))
    survey = library.not_yet(
        "survey.response_rate_pct",
        "Survey response rate",
        "service_level",
        "The share of surveys sent that were answered.",
        "100 x answered / sent",
        Unit.PERCENT,
        Direction.HIGHER_IS_BETTER,
        reason="no surveys",
        required_fields=("survey.sent_at",),
    )
    library.register_kpis([survey])
    library.register_kpis([survey])  # again: no copy
    assert library.library()[-1] == survey and library.get_kpi(survey.key) == survey
    assert [d.key for d in library.library()].count(survey.key) == 1
    with pytest.raises(ValueError, match="'incident.opened' is taken"):
        library.register_kpis([replace(survey, key="incident.opened")])
