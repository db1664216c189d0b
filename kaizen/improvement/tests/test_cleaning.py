"""Step 4, cleaning rules: recorded with a reason, checked against the KPI's columns, applied
to its figures as filters, each reporting the rows it left out."""

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from kaizen.analytics.store import connect
from kaizen.improvement import services
from kaizen.improvement.cleaning import apply_rules, kept_filters
from kaizen.improvement.models import CleaningRule, Initiative
from kaizen.improvement.selectors import initiative_definition
from kaizen.improvement.tests.helpers import (
    WALK_TODAY,
    add_kpi,
    ensure_history,
    make_goal,
    make_initiative,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis import engine
from kaizen.kpis.spec import Filter, Operator
from kaizen.kpis.tests.helpers import insert_incident_facts, make_custom_kpi, record_points

pytestmark = pytest.mark.django_db
START, END = dt.date(2026, 1, 5), dt.date(2026, 4, 6)  # the seeded "before", 13 weeks


@pytest.fixture
def ikpi(process_owner):
    ensure_history()
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    return add_kpi(initiative)


def rule(ikpi, **fields):
    fields.setdefault("reason", "Agreed with the incident manager")
    return services.do_add_cleaning_rule(ikpi, actor=None, **fields)


def hours_in_range(where: str = "TRUE") -> list[float]:
    with connect() as connection:
        rows = connection.execute(
            "SELECT resolution_hours FROM incident_facts WHERE resolved_at >= ? AND resolved_at < ?"
            f" AND {where}",
            [START, END],
        ).fetchall()
    return [row[0] for row in rows]


def cleaned(ikpi):
    rules = list(ikpi.cleaning_rules.order_by("pk"))
    return apply_rules(initiative_definition(ikpi), rules, start=START, end=END)


def median_over_range(definition) -> float:
    return engine.compute(definition, period="all", start=START, end=END).rows[0]["value"]


def test_it_excludes_rows_and_says_how_many(ikpi):
    cancelled = [
        {
            "opened_at": dt.datetime(2026, 2, day, 8),
            "resolved_at": dt.datetime(2026, 2, day, 9),
            "resolution_hours": 400.0,
            "state": "cancelled",
            "category": "email",
        }
        for day in range(2, 27)
    ]
    insert_incident_facts(*cancelled)
    raw = median_over_range(initiative_definition(ikpi))
    rule(ikpi, kind="exclude", column="state", operator="eq", value="cancelled")
    definition, (applied,) = cleaned(ikpi)
    assert applied["rows_excluded"] == 25 and applied["rows_without_value"] == 0
    assert applied["rows_before"] == 13 * 7 * 6 + 25
    assert applied["description"] == "Excluded incidents with state = cancelled (25 rows)"
    assert definition.measure.filters[-1] == Filter("state", Operator.NE, "cancelled")
    expected = float(np.median(hours_in_range("state <> 'cancelled'")))
    assert median_over_range(definition) == pytest.approx(expected)
    assert median_over_range(definition) < raw


def test_it_excludes_a_list_of_values(ikpi):
    rule(ikpi, kind="exclude", column="category", operator="in", value="network, email")
    definition, (applied,) = cleaned(ikpi)
    # Six incidents a day, categories cycling: two network and one email each day.
    assert applied["rows_excluded"] == 13 * 7 * 3
    assert "category in [network, email]" in applied["description"]
    expected = float(np.median(hours_in_range("category NOT IN ('network', 'email')")))
    assert median_over_range(definition) == pytest.approx(expected)


def test_it_counts_rows_an_exclusion_drops_because_the_column_is_empty(ikpi):
    blank = [
        {
            "opened_at": dt.datetime(2026, 3, 3, 8),
            "resolved_at": dt.datetime(2026, 3, 3, 9),
            "resolution_hours": 1.0,
            "category": None,
        }
        for _ in range(4)
    ]
    insert_incident_facts(*blank)
    rule(ikpi, kind="exclude", column="category", operator="eq", value="hardware")
    _, (applied,) = cleaned(ikpi)
    assert applied["rows_without_value"] == 4
    assert applied["rows_excluded"] == 13 * 7 + 4
    assert applied["description"].endswith("(95 rows, 4 of them with no category)")


def test_it_excludes_outliers_above_tukeys_fence_and_records_the_bound(ikpi):
    rule(ikpi, kind="outlier_iqr", column="resolution_hours")
    definition, (applied,) = cleaned(ikpi)
    hours = np.array(hours_in_range())
    q1, q3 = np.quantile(hours, [0.25, 0.75])
    bound = q3 + 1.5 * (q3 - q1)
    assert applied["bound"] == pytest.approx(bound)
    assert (applied["q1"], applied["q3"]) == (pytest.approx(q1), pytest.approx(q3))
    assert applied["rows_excluded"] == int((hours > bound).sum()) > 0
    assert f"above {bound:.4g} (Q3 + 1.5 × IQR)" in applied["description"]
    assert median_over_range(definition) == pytest.approx(float(np.median(hours[hours <= bound])))
    assert CleaningRule.objects.get().factor == 1.5


def test_it_caps_a_column_and_applies_rules_in_order(ikpi):
    rule(ikpi, kind="cap", column="resolution_hours", value=30)
    rule(ikpi, kind="exclude", column="priority", operator="eq", value="1")
    definition, (cap, priority) = cleaned(ikpi)
    hours = np.array(hours_in_range())
    assert cap["rows_excluded"] == int((hours > 30).sum())
    assert (
        cap["description"]
        == f"Excluded incidents with resolution_hours above 30 ({cap['rows_excluded']} rows)"
    )
    assert priority["rows_before"] == cap["rows_before"] - cap["rows_excluded"]
    assert priority["value"] == 1  # the form's "1" stored as the column's type
    left = hours_in_range("resolution_hours <= 30 AND priority <> 1")
    assert median_over_range(definition) == pytest.approx(float(np.median(left)))


def test_it_keeps_the_other_answer_for_null_and_boolean_rules():
    def kept(**fields):
        return kept_filters(CleaningRule(**fields))

    assert kept(kind="exclude", column="sla_met", operator="is_null", value=True) == (
        Filter("sla_met", Operator.IS_NULL, False),
    )
    assert kept(kind="exclude", column="major_incident", operator="is_true", value=True) == (
        Filter("major_incident", Operator.IS_TRUE, False),
    )
    assert kept(kind="exclude", column="priority", operator="lt", value=3) == (
        Filter("priority", Operator.GE, 3),
    )


def test_it_checks_the_column_operator_and_value_against_the_kpis_source(ikpi):
    def refused(field, **fields):
        with pytest.raises(ValidationError) as error:
            rule(ikpi, **fields)
        assert field in error.value.message_dict, error.value.message_dict

    refused("column", kind="exclude", column="colour", operator="eq", value="red")
    refused("operator", kind="exclude", column="state", operator="like", value="c%")
    refused("operator", kind="exclude", column="state", operator="is_true", value=True)
    refused("value", kind="exclude", column="priority", operator="eq", value="high")
    refused("value", kind="exclude", column="category", operator="in", value=[])
    refused("column", kind="cap", column="category", value=3)
    refused("value", kind="cap", column="resolution_hours", value="lots")
    refused("factor", kind="outlier_iqr", column="resolution_hours", factor=-1)
    refused("kind", kind="trim", column="resolution_hours")
    refused("reason", kind="cap", column="resolution_hours", value=30, reason=" ")
    assert not CleaningRule.objects.exists()


def test_it_takes_only_value_caps_and_outliers_for_an_external_kpi(process_owner):
    make_custom_kpi(
        key="custom.availability",
        name="Availability",
        unit="percent",
        direction="higher",
        target=99.0,
        warning=98.0,
        source="external",
        period_column="occurred_at",
        filters=[],
        aggregate="mean",
        column="value",
    )
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative, "custom.availability")
    with pytest.raises(ValidationError) as error:
        rule(ikpi, kind="exclude", column="service", operator="eq", value="Email")
    assert "value" in error.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as error:
        rule(ikpi, kind="cap", column="occurred_at", value=3)
    assert "column" in error.value.message_dict
    record_points(
        "custom.availability",
        {"occurred_at": "2026-03-02T08:00:00Z", "value": 99.5},
        {"occurred_at": "2026-03-03T08:00:00Z", "value": 99.7},
        {"occurred_at": "2026-03-04T08:00:00Z", "value": 250.0},  # a monitoring glitch
    )
    rule(ikpi, kind="cap", column="value", value=100)
    definition, (applied,) = apply_rules(
        initiative_definition(ikpi),
        list(ikpi.cleaning_rules.all()),
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 4, 1),
    )
    assert applied["rows_excluded"] == 1
    assert applied["description"] == "Excluded data points with value above 100 (1 row)"
    mean = engine.compute(
        definition, period="all", start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)
    )
    assert mean.rows[0]["value"] == pytest.approx(99.6)


def test_it_journals_rules_added_and_removed(ikpi, process_owner):
    added = services.do_add_cleaning_rule(
        ikpi,
        actor=process_owner,
        kind="exclude",
        column="state",
        operator="eq",
        value="cancelled",
        reason="Cancelled incidents were never worked",
    )
    event = JournalEvent.objects.for_subject(ikpi.initiative).latest("id")
    assert event.event_type == EventType.CLEANING_RULE_ADDED
    assert event.data["rule"] == added.pk and event.data["initiative_kpi"] == ikpi.pk
    assert event.data["reason"] == "Cancelled incidents were never worked"
    pk = added.pk
    services.do_remove_cleaning_rule(added, actor=process_owner)
    event = JournalEvent.objects.for_subject(ikpi.initiative).latest("id")
    assert event.event_type == EventType.CLEANING_RULE_REMOVED
    assert event.data["rule"] == pk and event.data["column"] == "state"
    assert not CleaningRule.objects.exists()


def test_it_fixes_the_rules_once_the_analysis_went_to_the_decision(ikpi):
    existing = rule(ikpi, kind="cap", column="resolution_hours", value=100)
    Initiative.objects.filter(pk=ikpi.initiative_id).update(current_step=6)
    ikpi.initiative.refresh_from_db()
    with pytest.raises(ValidationError):
        rule(ikpi, kind="cap", column="resolution_hours", value=50)
    with pytest.raises(ValidationError):
        services.do_remove_cleaning_rule(existing, actor=None)


def test_it_changes_the_analysed_figures(ikpi, process_owner):
    before = services.do_analyse_kpi(ikpi, actor=process_owner, today=WALK_TODAY)
    rule(ikpi, kind="cap", column="resolution_hours", value=20)
    after = services.do_analyse_kpi(ikpi, actor=process_owner, today=WALK_TODAY)
    assert before.result["cleaning"] == []
    (applied,) = after.result["cleaning"]
    assert applied["rows_excluded"] > 0 and applied["id"] == ikpi.cleaning_rules.get().pk
    assert after.result["baseline"]["mean"] < before.result["baseline"]["mean"]
    assert "1 cleaning rule(s) left out" in after.result["explanation"]
