"""KPI sources: every fact family is a store source, database sources are registered by the
apps that own their rows, and a source added later is measured with nothing in kpis changed."""

import dataclasses
import datetime as dt

import pyarrow as pa
import pytest

from kaizen.analytics import families
from kaizen.analytics.families import RecordFamily
from kaizen.analytics.store import connect
from kaizen.kpis import engine, sources
from kaizen.kpis.quality import data_quality
from kaizen.kpis.sources import (
    DatabaseSource,
    StoreSource,
    get_source,
    is_database_source,
    register_source,
    source_columns,
)
from kaizen.kpis.spec import (
    DATABASE_SOURCES,
    Aggregate,
    Direction,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Source,
    Unit,
)
from kaizen.kpis.tests.helpers import INCIDENT_VOLUME
from kaizen.people.models import Team


def definition(source: str, aggregate: Aggregate = Aggregate.COUNT, **fields) -> KPIDefinition:
    return dataclasses.replace(
        INCIDENT_VOLUME,
        key=f"test.{source}",
        measure=Measure(source=source, aggregate=aggregate, **fields),
    )


def test_every_fact_family_is_a_store_source():
    incidents = get_source(Source.INCIDENTS)
    assert isinstance(incidents, StoreSource) and incidents.dimensions_table is None
    assert incidents.columns["resolution_hours"] == "DOUBLE"
    assert incidents.dimensions["team"] == "team"
    events = get_source(Source.INCIDENT_EVENTS)
    assert isinstance(events, StoreSource)
    assert (events.dimensions_table, events.join_key) == ("incident_facts", "incident_id")
    assert events.dimensions == incidents.dimensions
    assert source_columns(Source.INCIDENT_EVENTS)["occurred_at"] == "TIMESTAMP"


def test_the_external_data_points_and_the_register_are_database_sources():
    assert is_database_source(Source.EXTERNAL) and is_database_source(Source.IMPROVEMENT)
    assert not is_database_source(Source.INCIDENTS)
    assert set(DATABASE_SOURCES) == {
        Source.EXTERNAL,
        Source.IMPROVEMENT,
        Source.AVAILABILITY,
        # registered by the service levels app's ready()
        Source.SERVICE_LEVELS,
        "service_reviews",  # kaizen/servicelevels/review_kpi.py
    }
    assert Source.IMPROVEMENT in DATABASE_SOURCES and Source.INCIDENTS not in DATABASE_SOURCES
    assert get_source(Source.IMPROVEMENT).rows_in_scope is not None
    assert get_source(Source.EXTERNAL).rows_in_scope is None  # the periods' n are summed
    assert source_columns(Source.EXTERNAL) == {}


def test_a_source_nothing_registered_is_named_in_the_error():
    problem_kpi = definition("loan_facts", period_column="requested_at")
    assert get_source("loan_facts") is None
    assert engine.measure_errors(problem_kpi.measure) == [
        "source: 'loan_facts' is not a registered source"
    ]
    with pytest.raises(engine.EngineError, match="loan_facts' is not a registered source"):
        engine.compute(problem_kpi)


def test_it_refuses_another_source_under_a_name_taken():
    with pytest.raises(ValueError, match="already registered"):
        register_source(DatabaseSource(name=Source.EXTERNAL, rows=lambda *a, **k: []))


@pytest.fixture
def survey_source():
    """A database source as a later app would register it from its AppConfig.ready()."""
    calls = []

    def rows(definition, *, period, by, start, end):
        calls.append((definition.key, period, by, start, end))
        return [{"period": "2026-03-01", "value": 4.5, "n": 12}]

    def rows_in_scope(definition, *, start, end):
        return 12

    source = register_source(
        DatabaseSource(
            name="survey_responses", rows=rows, rows_in_scope=rows_in_scope, measured_as="external"
        )
    )
    yield source, calls
    sources._database_sources.pop(source.name)


@pytest.mark.django_db
def test_a_registered_database_source_is_measured_and_checked(survey_source):
    _, calls = survey_source
    kpi = definition("survey_responses", Aggregate.MEAN, period_column="answered_at")
    assert engine.measure_errors(kpi.measure) == []
    result = engine.compute(kpi, start=dt.date(2026, 3, 1))
    assert result.rows == [{"period": "2026-03-01", "value": 4.5, "n": 12}]
    assert calls == [("test.survey_responses", "month", (), dt.date(2026, 3, 1), None)]
    report = data_quality(kpi)
    assert report["rows_in_scope"] == 12 and report["required_fields"] == []


LOAN_FACTS = """
CREATE TABLE IF NOT EXISTS loan_facts (
    loan_id BIGINT PRIMARY KEY,
    requested_at TIMESTAMP NOT NULL,
    service VARCHAR,
    successful BOOLEAN
)
"""


@pytest.fixture
def loan_family():
    """A fact family as a later process would add one: a KPI source at once."""
    family = RecordFamily(
        name="loan_facts",
        label="Loans (one row per loan)",
        ddl=LOAN_FACTS,
        version="1",
        model=Team,  # not read: the test writes the rows itself
        key="loan_id",
        breakdowns={"service": "service"},
        rows_between=lambda *_: pa.table({}),
        rows_of=lambda *_: iter(()),
    )
    families.register(family)
    sources._store_source.cache_clear()
    yield family
    families._families.pop(family.name)
    sources._store_source.cache_clear()


def test_a_new_fact_family_is_a_store_source_with_nothing_in_kpis_changed(loan_family):
    with connect() as connection:
        connection.execute(
            "INSERT INTO loan_facts VALUES"
            " (1, '2026-03-02 10:00', 'Email', true), (2, '2026-03-09 10:00', 'Email', false),"
            " (3, '2026-04-01 10:00', 'VPN', true)"
        )
    success = definition(
        "loan_facts",
        Aggregate.SHARE,
        period_column="requested_at",
        numerator=(Filter("successful", Operator.IS_TRUE, True),),
    )
    success = dataclasses.replace(success, direction=Direction.HIGHER_IS_BETTER, unit=Unit.PERCENT)
    assert engine.measure_errors(success.measure) == []
    rows = engine.compute(success, by=["service"]).rows
    assert rows == [
        {"period": "2026-03-01", "service": "Email", "value": 50.0, "n": 2},
        {"period": "2026-03-01", "service": "VPN", "value": None, "n": 0},
        {"period": "2026-04-01", "service": "Email", "value": None, "n": 0},
        {"period": "2026-04-01", "service": "VPN", "value": 100.0, "n": 1},
    ]
    with pytest.raises(engine.EngineError, match="loan_facts has no dimension team"):
        engine.compute(success, by=["team"])
