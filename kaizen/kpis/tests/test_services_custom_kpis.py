"""Custom KPIs: validation naming the field, journaled writes, and the engine's definition."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.services import do_save_custom_kpi
from kaizen.kpis.spec import Aggregate, Direction, Operator, Source, Unit
from kaizen.kpis.tests.helpers import custom_kpi_fields, make_custom_kpi

pytestmark = pytest.mark.django_db


def test_it_creates_a_custom_kpi_and_journals_every_field(improvement_manager):
    kpi = do_save_custom_kpi(None, actor=improvement_manager, **custom_kpi_fields())
    event = JournalEvent.objects.get(event_type=EventType.CUSTOM_KPI_CREATED)
    assert event.subject_id == str(kpi.pk) and event.actor == improvement_manager
    assert event.changes["column"] == {"old": None, "new": "resolution_hours"}


def test_it_journals_only_what_changed_and_nothing_for_no_change(improvement_manager):
    kpi = make_custom_kpi()
    do_save_custom_kpi(kpi, actor=improvement_manager, target=3.0, name=kpi.name)
    do_save_custom_kpi(kpi, actor=improvement_manager, target=3.0)
    events = JournalEvent.objects.filter(event_type=EventType.CUSTOM_KPI_UPDATED)
    assert [e.changes for e in events] == [{"target": {"old": 4.0, "new": 3.0}}]


def test_it_turns_into_the_definition_the_engine_measures():
    definition = make_custom_kpi().to_definition()
    assert definition.custom and definition.measurable
    assert definition.unit == Unit.HOURS and definition.direction == Direction.LOWER_IS_BETTER
    assert definition.thresholds.target == 4.0 and definition.thresholds.warning == 8.0
    measure = definition.measure
    assert measure.source == Source.INCIDENTS and measure.aggregate == Aggregate.MEDIAN
    assert measure.column == "resolution_hours" and measure.period_column == "resolved_at"
    assert measure.filters[0].operator == Operator.EQ and measure.filters[0].value == 1
    assert set(definition.required_fields) == {"resolved_at", "resolution_hours", "priority"}
    assert "median of resolution_hours" in definition.formula


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key": "p1"}, "key"),
        ({"column": "resolution_days"}, "column"),
        ({"column": "service"}, "column"),  # not a number
        ({"column": ""}, "column"),
        ({"aggregate": "percentile", "percentile": 120}, "percentile"),
        ({"aggregate": "percentile", "percentile": None}, "percentile"),
        ({"aggregate": "share", "column": ""}, "numerator"),
        (
            {
                "aggregate": "ratio",
                "column": "",
                "numerator": [{"column": "sla_met", "operator": "is_true", "value": False}],
            },
            "denominator",
        ),
        ({"filters": [{"column": "colour", "operator": "eq", "value": 1}]}, "filters"),
        ({"filters": [{"column": "priority", "operator": "like", "value": 1}]}, "filters"),
        ({"filters": [{"column": "priority", "operator": "in", "value": 1}]}, "filters"),
        ({"filters": "priority = 1"}, "filters"),
        ({"period_column": "priority"}, "period_column"),
        ({"warning": 2.0}, "warning"),  # lower is better: the warning lies above the target
        ({"target": None}, "target"),
        ({"source": "incident_event_facts"}, "column"),  # events have no resolution_hours
    ],
)
def test_it_names_the_field_that_is_wrong(overrides, field):
    with pytest.raises(ValidationError) as caught:
        make_custom_kpi(**overrides)
    assert field in caught.value.message_dict, caught.value.message_dict


def test_it_accepts_an_external_kpi_over_its_data_points():
    kpi = make_custom_kpi(
        key="custom.uptime",
        source="external",
        period_column="occurred_at",
        filters=[{"column": "service", "operator": "eq", "value": "Email"}],
        aggregate="mean",
        column="value",
        direction="higher",
        target=99.9,
        warning=99.0,
    )
    assert kpi.to_definition().measure.source == Source.EXTERNAL


def test_it_keeps_the_key_once_created():
    kpi = make_custom_kpi()
    with pytest.raises(ValidationError) as caught:
        do_save_custom_kpi(kpi, actor=None, key="custom.other")
    assert "key" in caught.value.message_dict


def test_it_refuses_a_taken_key():
    make_custom_kpi()
    with pytest.raises(ValidationError) as caught:
        make_custom_kpi(name="Another")
    assert "key" in caught.value.message_dict
