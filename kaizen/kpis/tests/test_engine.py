"""The KPI engine over hand-built fact rows: periods, breakdowns, ranges, point-in-time
measures, aggregates, empty data and what it refuses. Each test has its own DuckDB store
(kaizen/conftest.py); the expected figures are worked out by hand next to the rows."""

import datetime as dt
import statistics
from dataclasses import replace
from typing import Any

import pytest

from kaizen.analytics.store import connect
from kaizen.kpis import engine
from kaizen.kpis.library import get_kpi
from kaizen.kpis.spec import (
    AGE_HOURS,
    Aggregate,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Source,
    column_value,
)

T = dt.datetime

FACT_DEFAULTS: dict[str, Any] = {
    "imported_from": "",
    "state": "closed",
    "is_open": False,
    "major_incident": False,
    "reassignment_count": 0,
    "reopen_count": 0,
}


def insert_rows(table: str, id_column: str, rows: list[dict[str, Any]]) -> None:
    """Rows into the test's store, numbered on from the ids already there."""
    with connect() as connection:
        (last_id,) = connection.execute(
            f"SELECT coalesce(max({id_column}), 0) FROM {table}"
        ).fetchone()
        for number, row in enumerate(rows, start=last_id + 1):
            row = {id_column: number, **row}
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            connection.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
            )


def insert_facts(*rows: dict[str, Any]) -> None:
    """Incident facts: each row names what matters to the test, the rest is defaulted."""
    rows_with_defaults = [{**FACT_DEFAULTS, **row} for row in rows]
    for row in rows_with_defaults:
        row.setdefault("number", f"INC-{id(row)}")
    insert_rows("incident_facts", "incident_id", rows_with_defaults)


def insert_events(*rows: dict[str, Any]) -> None:
    insert_rows(
        "incident_event_facts",
        "event_id",
        [{"event_type": "incidents.incident.updated", **row} for row in rows],
    )


def incident(
    opened: T,
    *,
    responded: T | None = None,
    resolved: T | None = None,
    **values: Any,
) -> dict[str, Any]:
    """A fact row whose durations follow from its timestamps (wall clock)."""
    row: dict[str, Any] = {"opened_at": opened, **values}
    if responded:
        row["first_responded_at"] = responded
        row["first_response_hours"] = (responded - opened).total_seconds() / 3600
    if resolved:
        row["resolved_at"] = resolved
        row["resolution_hours"] = (resolved - opened).total_seconds() / 3600
    if not resolved and "cancelled_at" not in values:
        row.update(is_open=True, state="in_progress")
    return row


# The March/April 2016 story the library tests measure (durations in wall-clock hours):
#  1  P1 phone          opened Mar 1 09:00, responded +0.5 h, resolved +4 h (4 bh), SLA met, FCR
#  2  P2 self-service   major, opened Mar 2 10:00, responded +2 h, resolved +24 h (8 bh), SLA
#                       missed, not FCR, reassigned twice, reopened once
#  3  P3 monitoring     opened Mar 10 08:00, responded +1 h, resolved Apr 2 08:00 (552 h, 100 bh),
#                       no SLA verdict, no FCR verdict, reassigned once
#  4  P1 e-mail         major, opened Mar 20 12:00, never responded (response SLA breached),
#                       still open
#  5  P1 self-service   opened Apr 5 00:00, responded +3 h, resolved +10 h (6 bh), SLA met, FCR
#  6  P4 no channel     opened Mar 25 00:00, cancelled Apr 10 00:00, no response target
# Every incident but 4 and 6 met its response target.
STORY = (
    incident(
        T(2016, 3, 1, 9),
        responded=T(2016, 3, 1, 9, 30),
        resolved=T(2016, 3, 1, 13),
        closed_at=T(2016, 3, 4),
        priority=1,
        channel="phone",
        team="Desk",
        resolution_business_hours=4.0,
        sla_met=True,
        response_sla_met=True,
        first_contact_resolution=True,
    ),
    incident(
        T(2016, 3, 2, 10),
        responded=T(2016, 3, 2, 12),
        resolved=T(2016, 3, 3, 10),
        closed_at=T(2016, 3, 6),
        priority=2,
        channel="self_service",
        team="Desk",
        major_incident=True,
        resolution_business_hours=8.0,
        sla_met=False,
        response_sla_met=True,
        first_contact_resolution=False,
        reassignment_count=2,
        reopen_count=1,
    ),
    incident(
        T(2016, 3, 10, 8),
        responded=T(2016, 3, 10, 9),
        resolved=T(2016, 4, 2, 8),
        closed_at=T(2016, 4, 5),
        priority=3,
        channel="monitoring",
        team="Network",
        resolution_business_hours=100.0,
        response_sla_met=True,
        reassignment_count=1,
    ),
    incident(
        T(2016, 3, 20, 12),
        priority=1,
        channel="email",
        team="Network",
        major_incident=True,
        response_sla_met=False,
    ),
    incident(
        T(2016, 4, 5),
        responded=T(2016, 4, 5, 3),
        resolved=T(2016, 4, 5, 10),
        closed_at=T(2016, 4, 8),
        priority=1,
        channel="self_service",
        team="Desk",
        resolution_business_hours=6.0,
        sla_met=True,
        response_sla_met=True,
        first_contact_resolution=True,
    ),
    incident(T(2016, 3, 25), cancelled_at=T(2016, 4, 10), state="cancelled", priority=4),
)

# Journal events of the story: two priority raises of incident 2 in March, one lowering of
# incident 3; a transfer between teams in April, and a first assignment (no transfer).
STORY_EVENTS = (
    {"incident_id": 2, "occurred_at": T(2016, 3, 2, 11), "priority_from": 3, "priority_to": 2},
    {"incident_id": 2, "occurred_at": T(2016, 3, 2, 12), "priority_from": 2, "priority_to": 1},
    {"incident_id": 3, "occurred_at": T(2016, 3, 15), "priority_from": 3, "priority_to": 4},
    {"incident_id": 3, "occurred_at": T(2016, 4, 1), "team_from": "Desk", "team_to": "Network"},
    {"incident_id": 1, "occurred_at": T(2016, 3, 1, 9), "team_from": None, "team_to": "Desk"},
)


@pytest.fixture
def story() -> None:
    insert_facts(*STORY)
    insert_events(*STORY_EVENTS)


def values(result: engine.KPIResult, *keys: str) -> dict[Any, tuple[float | None, int]]:
    """{period (or (period, dimension...)): (value, n)}"""
    table = {}
    for row in result.rows:
        key = (row["period"], *(row[name] for name in keys)) if keys else row["period"]
        table[key] = (row["value"], row["n"])
    return table


def kpi(aggregate: Aggregate, **measure: Any) -> KPIDefinition:
    """An ad-hoc KPI over incident facts (placed by opened_at unless said)."""
    fields: dict[str, Any] = {"period_column": "opened_at", **measure}
    return replace(
        get_kpi("incident.opened"),
        key="test.kpi",
        measure=Measure(source=Source.INCIDENTS, aggregate=aggregate, **fields),
    )


OPENED = "incident.opened"


def test_it_counts_by_month_with_iso_period_starts(story):
    result = engine.compute(get_kpi(OPENED), period="month")
    assert result.rows == [
        {"period": "2016-03-01", "value": 5.0, "n": 5},
        {"period": "2016-04-01", "value": 1.0, "n": 1},
    ]
    assert result.as_json() == {"kpi": OPENED, "unit": "count", "rows": result.rows}


def test_it_measures_weeks_from_monday_with_no_holes(story):
    # Mar 1 2016 is a Tuesday: its week starts Monday Feb 29. No incident opened Mar 28-Apr 3.
    assert values(engine.compute(get_kpi(OPENED), period="week")) == {
        "2016-02-29": (2.0, 2),
        "2016-03-07": (1.0, 1),
        "2016-03-14": (1.0, 1),  # Sunday Mar 20 belongs to the week of Mar 14
        "2016-03-21": (1.0, 1),
        "2016-03-28": (None, 0),
        "2016-04-04": (1.0, 1),
    }


def test_it_measures_days_quarters_years_and_all(story):
    days = engine.compute(get_kpi(OPENED), period="day").rows
    # Mar 1 (first opening) to Apr 10 (the latest timestamp of any axis column: a cancellation)
    assert len(days) == 41 and days[0]["period"] == "2016-03-01"
    assert days[-1] == {"period": "2016-04-10", "value": None, "n": 0}
    assert values(engine.compute(get_kpi(OPENED), period="quarter")) == {
        "2016-01-01": (5.0, 5),
        "2016-04-01": (1.0, 1),
    }
    assert values(engine.compute(get_kpi(OPENED), period="year")) == {"2016-01-01": (6.0, 6)}
    assert engine.compute(get_kpi(OPENED), period="all").rows == [
        {"period": "all", "value": 6.0, "n": 6}
    ]


def test_it_keeps_to_the_range_start_inclusive_end_exclusive(story):
    march_from_the_5th = engine.compute(
        get_kpi(OPENED), start=dt.date(2016, 3, 5), end=dt.date(2016, 4, 1)
    )
    assert march_from_the_5th.rows == [{"period": "2016-03-01", "value": 3.0, "n": 3}]
    assert engine.compute(
        get_kpi(OPENED), period="day", start=dt.date(2016, 3, 1), end=dt.date(2016, 3, 3)
    ).rows == [
        {"period": "2016-03-01", "value": 1.0, "n": 1},
        {"period": "2016-03-02", "value": 1.0, "n": 1},
    ]


def test_it_fills_the_range_asked_for_even_without_data(story):
    result = engine.compute(get_kpi(OPENED), start=dt.date(2016, 2, 1), end=dt.date(2016, 5, 1))
    assert values(result) == {
        "2016-02-01": (None, 0),
        "2016-03-01": (5.0, 5),
        "2016-04-01": (1.0, 1),
    }


def test_it_breaks_down_with_every_period_for_every_value(story):
    result = engine.compute(get_kpi(OPENED), by=["priority"])
    assert values(result, "priority") == {
        ("2016-03-01", 1): (2.0, 2),
        ("2016-03-01", 2): (1.0, 1),
        ("2016-03-01", 3): (1.0, 1),
        ("2016-03-01", 4): (1.0, 1),
        ("2016-04-01", 1): (1.0, 1),
        ("2016-04-01", 2): (None, 0),
        ("2016-04-01", 3): (None, 0),
        ("2016-04-01", 4): (None, 0),
    }
    assert list(result.rows[0]) == ["period", "priority", "value", "n"]


def test_it_breaks_down_by_several_dimensions_keeping_missing_values(story):
    result = engine.compute(get_kpi(OPENED), period="all", by=["team", "channel"])
    assert values(result, "team", "channel") == {
        ("all", "Desk", "phone"): (1.0, 1),
        ("all", "Desk", "self_service"): (2.0, 2),
        ("all", "Network", "email"): (1.0, 1),
        ("all", "Network", "monitoring"): (1.0, 1),
        ("all", None, None): (1.0, 1),  # incident 6 has neither: still counted, as None
    }


def test_it_breaks_events_down_by_their_incident_dimensions(story):
    escalations = engine.compute(get_kpi("incident.escalations"), period="all", by=["priority"])
    assert values(escalations, "priority") == {("all", 2): (2.0, 2)}


def test_the_backlog_is_what_is_open_at_each_period_end(story):
    backlog = get_kpi("incident.backlog")
    # End of March: 3 (Apr 2), 4 (open) and 6 (cancelled Apr 10); end of April: 4.
    assert values(engine.compute(backlog)) == {"2016-03-01": (3.0, 3), "2016-04-01": (1.0, 1)}
    assert values(engine.compute(backlog, by=["priority"]), "priority") == {
        ("2016-03-01", 1): (1.0, 1),
        ("2016-03-01", 3): (1.0, 1),
        ("2016-03-01", 4): (1.0, 1),
        ("2016-04-01", 1): (1.0, 1),
        ("2016-04-01", 3): (None, 0),
        ("2016-04-01", 4): (None, 0),
    }
    # Within the range asked for, with everything opened before it still counted.
    assert engine.compute(backlog, start=dt.date(2016, 4, 1), end=dt.date(2016, 5, 1)).rows == [
        {"period": "2016-04-01", "value": 1.0, "n": 1}
    ]
    # "all": open after the latest timestamp in the store (the last sync).
    assert engine.compute(backlog, period="all").rows == [{"period": "all", "value": 1.0, "n": 1}]
    # Days: the April 1 backlog still holds incident 3 (resolved Apr 2 08:00).
    daily = values(engine.compute(backlog, period="day"))
    assert daily["2016-04-01"] == (3.0, 3) and daily["2016-04-02"] == (2.0, 2)


def test_the_running_count_agrees_with_the_range_join(story):
    """A backlog count is computed as a running sum of arrivals and departures; a filter on
    age forces the range join. Both must say the same for every period kind and breakdown."""
    running = get_kpi("incident.backlog")
    assert running.measure is not None
    joined = replace(
        running,
        key="test.backlog_joined",
        measure=replace(running.measure, filters=(Filter(AGE_HOURS, Operator.GE, 0),)),
    )
    for period in ("day", "week", "month", "quarter", "year", "all"):
        for by in ((), ("priority",), ("team", "channel")):
            results = engine.scorecard([running, joined], period=period, by=by)
            assert results[running.key].rows == results[joined.key].rows, (period, by)


def test_an_interval_ending_before_it_starts_is_never_in_the_backlog():
    insert_facts(incident(T(2016, 3, 10), resolved=T(2016, 2, 1)))
    assert all(row["n"] == 0 for row in engine.compute(get_kpi("incident.backlog")).rows)


def test_percentiles_interpolate_like_numpy():
    hours = [1.0, 2.0, 3.0, 4.0, 10.0, 100.0]
    insert_facts(
        *(incident(T(2017, 1, 1), resolved=T(2017, 1, 1) + dt.timedelta(hours=h)) for h in hours)
    )
    definition = kpi(Aggregate.PERCENTILE, column="resolution_hours", percentile=75)
    expected = statistics.quantiles(hours, n=4, method="inclusive")[2]  # numpy's "linear"
    assert engine.compute(definition, period="all").rows[0]["value"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("aggregate", "measure", "expected"),
    [
        (Aggregate.SUM, {"column": "reassignment_count"}, (3.0, 6)),
        (Aggregate.MEAN, {"column": "resolution_hours"}, ((4 + 24 + 552 + 10) / 4, 4)),
        (
            Aggregate.RATIO,
            {
                "numerator": (Filter("channel", Operator.EQ, "self_service"),),
                "denominator": (Filter("channel", Operator.IN, ["phone", "email"]),),
            },
            (2 / 2, 2),
        ),
        (
            Aggregate.COUNT,
            {"filters": (Filter("priority", Operator.IN, [1, 4]),)},
            (4.0, 4),
        ),
        (Aggregate.COUNT, {"filters": (Filter("priority", Operator.IN, []),)}, (None, 0)),
        (
            Aggregate.SHARE,
            {"numerator": (Filter("team", Operator.NE, "Desk"),)},
            (100 * 2 / 6, 6),  # NE leaves out the incident with no team, as SQL does
        ),
        (
            Aggregate.COUNT,
            {"filters": (Filter("resolved_at", Operator.LT, "2016-03-03 10:00:00"),)},
            (1.0, 1),
        ),
    ],
)
def test_it_aggregates(story, aggregate, measure, expected):
    result = engine.compute(kpi(aggregate, **measure), period="all")
    assert (result.rows[0]["value"], result.rows[0]["n"]) == pytest.approx(expected)


def test_it_compares_two_columns_of_a_row(story):
    definition = replace(
        get_kpi("incident.escalations"),
        measure=Measure(
            source=Source.INCIDENT_EVENTS,
            aggregate=Aggregate.COUNT,
            period_column="occurred_at",
            filters=(Filter("priority_to", Operator.GT, column_value("priority_from")),),
        ),
    )
    assert values(engine.compute(definition)) == {"2016-03-01": (1.0, 1), "2016-04-01": (None, 0)}


def test_values_are_parameters_never_sql(story):
    sneaky = kpi(Aggregate.COUNT, filters=(Filter("team", Operator.EQ, "x' OR '1'='1"),))
    assert engine.compute(sneaky, period="all").rows == [{"period": "all", "value": None, "n": 0}]
    sql, parameters = engine.build_query([sneaky], period="all")
    assert "OR '1'='1" not in sql and "x' OR '1'='1" in parameters.values()


@pytest.mark.parametrize(
    ("measure", "message"),
    [
        ({"filters": (Filter('team" = team OR "x', Operator.EQ, 1),)}, "is not a column"),
        ({"period_column": "priority"}, "period_column: 'priority' is not a timestamp"),
        ({"column": "team"}, "takes no column"),
        ({"filters": (Filter("priority", Operator.EQ, [1, 2]),)}, "the value is a single value"),
        ({"filters": (Filter("major_incident", Operator.IS_TRUE, "yes"),)}, "true or false"),
    ],
)
def test_it_refuses_names_outside_the_schema(measure, message):
    with pytest.raises(engine.EngineError, match=message):
        engine.compute(kpi(Aggregate.COUNT, **measure))


def test_it_refuses_a_filter_value_of_the_wrong_type(story):
    wrong = kpi(Aggregate.COUNT, filters=(Filter("priority", Operator.EQ, "high"),))
    with pytest.raises(engine.EngineError, match="does not fit its column"):
        engine.compute(wrong)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"period": "fortnight"}, "period: 'fortnight' is not one of"),
        ({"by": ["colour"]}, "by: 'colour' is not a dimension"),
        ({"by": ["team", "team"]}, "each dimension once"),
        ({"start": dt.date(2016, 4, 1), "end": dt.date(2016, 3, 1)}, "start: must be before"),
        ({"start": dt.datetime(2016, 4, 1)}, "start: a date is expected"),
    ],
)
def test_it_refuses_bad_requests(arguments, message):
    with pytest.raises(engine.EngineError, match=message):
        engine.compute(get_kpi(OPENED), **arguments)


def test_it_refuses_a_kpi_that_is_not_measurable():
    with pytest.raises(engine.NotMeasurable, match="improvement.ideas_submitted is not measurable"):
        engine.compute(get_kpi("improvement.ideas_submitted"))


def test_an_empty_store_gives_no_periods_unless_a_range_is_asked_for():
    assert engine.compute(get_kpi(OPENED)).rows == []
    assert engine.compute(get_kpi("incident.backlog"), period="all").rows == []
    assert engine.compute(
        get_kpi("incident.resolution_hours_median"),
        start=dt.date(2016, 1, 1),
        end=dt.date(2016, 3, 1),
    ).rows == [
        {"period": "2016-01-01", "value": None, "n": 0},
        {"period": "2016-02-01", "value": None, "n": 0},
    ]
    assert engine.compute(
        get_kpi("incident.backlog"), period="all", end=dt.date(2016, 3, 1)
    ).rows == [{"period": "all", "value": None, "n": 0}]


class CountingConnection:
    """A store connection that counts the queries run through it."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.queries = 0

    def execute(self, *args: Any) -> Any:
        self.queries += 1
        return self.connection.execute(*args)


def test_a_scorecard_is_one_query_per_source_with_the_same_figures(story):
    keys = [
        "incident.opened",
        "incident.backlog",
        "incident.resolution_hours_median",
        "incident.resolution_hours_p90",
        "incident.first_response_hours_median",
        "incident.sla_met_pct",
        "incident.escalations",
        "incident.team_transfers",
    ]
    definitions = [get_kpi(key) for key in keys]
    with connect(read_only=True) as opened:
        counting = CountingConnection(opened)
        card = engine.scorecard(definitions, by=["priority"], connection=counting)  # type: ignore[arg-type]
        assert counting.queries == 2  # incident facts, incident events
        assert list(card) == keys
        for definition in definitions:
            alone = engine.compute(definition, by=["priority"], connection=opened)
            assert card[definition.key].rows == alone.rows, definition.key


def test_external_kpis_are_aggregated_by_the_external_hook(monkeypatch):
    from kaizen.kpis import external

    calls = []

    def external_rows(definition, **arguments):
        calls.append(arguments)
        return [{"period": "2016-03-01", "value": 99.5, "n": 3}]

    monkeypatch.setattr(external, "external_rows", external_rows)
    availability = kpi(Aggregate.MEAN, column="resolution_hours")
    availability = replace(
        availability,
        measure=Measure(
            source=Source.EXTERNAL, aggregate=Aggregate.MEAN, period_column="occurred_at"
        ),
    )
    result = engine.compute(availability, by=["service"], start=dt.date(2016, 3, 1))
    assert result.rows == [{"period": "2016-03-01", "value": 99.5, "n": 3}]
    assert calls == [
        {"period": "month", "by": ("service",), "start": dt.date(2016, 3, 1), "end": None}
    ]
