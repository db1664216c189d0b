"""KPI definitions, facts and data points for the tests."""

import datetime as dt
from typing import Any

import pyarrow as pa

from kaizen.analytics.store import connect
from kaizen.kpis.external import check_point
from kaizen.kpis.services import do_record_external_points, do_save_custom_kpi
from kaizen.kpis.spec import (
    Aggregate,
    Direction,
    KPIDefinition,
    Measure,
    Source,
    Thresholds,
    Unit,
)

INCIDENT_VOLUME = KPIDefinition(
    key="test.incidents_opened",
    name="Incidents opened",
    process="incident",
    description="How many incidents were opened.",
    formula="count of incidents by opened_at",
    unit=Unit.COUNT,
    direction=Direction.LOWER_IS_BETTER,
    thresholds=Thresholds(target=10, warning=20),
    required_fields=("opened_at",),
    measure=Measure(source=Source.INCIDENTS, aggregate=Aggregate.COUNT, period_column="opened_at"),
)
EXTERNAL_AVAILABILITY = KPIDefinition(
    key="test.availability",
    name="Service availability",
    process="service_level",
    description="Availability measured by monitoring.",
    formula="mean of the reported availability",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER_IS_BETTER,
    thresholds=Thresholds(target=99.9, warning=99.5),
    measure=Measure(
        source=Source.EXTERNAL,
        aggregate=Aggregate.MEAN,
        period_column="occurred_at",
        column="value",
    ),
)
UNMEASURABLE = KPIDefinition(
    key="test.change_success",
    name="Change success rate",
    process="change",
    description="Changes implemented without an incident.",
    formula="successful changes / changes",
    unit=Unit.PERCENT,
    direction=Direction.HIGHER_IS_BETTER,
    not_measurable_reason="change enablement is not in Kaizen yet",
)

FACT_DEFAULTS: dict[str, Any] = {
    "imported_from": "",
    "state": "resolved",
    "is_open": False,
    "priority": 3,
    "service": "Email",
    "team": "Service desk",
    "category": "software",
    "major_incident": False,
    "reassignment_count": 0,
    "reopen_count": 0,
}


def insert_incident_facts(*rows: dict[str, Any]) -> None:
    """Incident fact rows straight into the test's own analytics store, in one statement (a
    thousand single-row INSERTs take seconds), numbered after the rows already there so a test
    can add to a seeded history. A column a row leaves out is NULL, as in an INSERT naming it
    not."""
    if not rows:
        return
    with connect() as connection:
        [(last,)] = connection.execute(
            "SELECT coalesce(max(incident_id), 0) FROM incident_facts"
        ).fetchall()
        records = [
            {"incident_id": number, "number": f"INC{number:05d}", **FACT_DEFAULTS, **row}
            for number, row in enumerate(rows, start=last + 1)
        ]
        names = list(dict.fromkeys(name for record in records for name in record))
        facts = pa.table({name: [record.get(name) for record in records] for name in names})
        connection.register("new_incident_facts", facts)
        connection.execute("INSERT INTO incident_facts BY NAME SELECT * FROM new_incident_facts")
        connection.unregister("new_incident_facts")


def record_points(key: str, *points: dict[str, Any], actor=None):
    checked = [(0, check_point(point)) for point in points]
    return do_record_external_points(key, checked, actor=actor)


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def custom_kpi_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": "custom.p1-resolution",
        "name": "P1 resolution time",
        "process": "incident",
        "description": "Median hours to resolve P1 incidents.",
        "unit": "hours",
        "direction": "lower",
        "target": 4.0,
        "warning": 8.0,
        "source": "incident_facts",
        "period_column": "resolved_at",
        "filters": [{"column": "priority", "operator": "eq", "value": 1}],
        "aggregate": "median",
        "column": "resolution_hours",
        "percentile": None,
        "numerator": [],
        "denominator": [],
        "owner": None,
        "active": True,
    }
    fields.update(overrides)
    return fields


def make_custom_kpi(**overrides: Any):
    return do_save_custom_kpi(None, actor=None, **custom_kpi_fields(**overrides))
