"""The changes' fact family: one row per change (`change_facts`).

Rows come from three queries per chunk whatever its size (no N+1): the changes with their
category and template, the first affected service and CI of each (by name), and the count of
incidents confirmed as caused by each.
"""

from collections.abc import Collection, Iterator, Sequence

import pyarrow as pa
from django.db.models import Count, Q, QuerySet

from kaizen.analytics.facts import (
    LOCAL_MICROSECONDS,
    Names,
    UtcText,
    booleans,
    fetch_rows,
    first_related_names,
    hours_between,
    local_wall_time,
    utc_column,
)
from kaizen.analytics.families import FactContext, RecordFamily, register
from kaizen.changes.models import (
    OPEN_STATES,
    CausedIncident,
    CausedIncidentStatus,
    Change,
    ClosureCode,
    RiskAssessment,
    State,
)
from kaizen.changes.services.evidence import with_outcomes
from kaizen.journal.events import EventType

CHANGE_FACTS = """
CREATE TABLE IF NOT EXISTS change_facts (
    change_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    imported_from VARCHAR,           -- '' for changes raised in Kaizen
    reference_only BOOLEAN NOT NULL, -- known only because imported records name it
    change_type VARCHAR NOT NULL,    -- standard, normal, emergency
    state VARCHAR NOT NULL,          -- kaizen.changes.models.State values
    is_open BOOLEAN NOT NULL,
    closure_code VARCHAR,            -- successful, successful_with_issues, failed, backed_out
    successful BOOLEAN,              -- closed successful (with issues or not); NULL until closed
    risk SMALLINT,                   -- stated risk: 1 low .. 4 very high
    priority SMALLINT,
    category VARCHAR,
    template VARCHAR,                -- the standard change it was raised from
    service VARCHAR,                 -- the first affected service, by name
    ci VARCHAR,                      -- the first affected configuration item, by name
    service_count INTEGER NOT NULL,
    ci_count INTEGER NOT NULL,
    team VARCHAR,
    implementer VARCHAR,
    requester VARCHAR,
    opened_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    authorisation_requested_at TIMESTAMP,
    authorised_at TIMESTAMP,
    rejected_at TIMESTAMP,
    planned_start TIMESTAMP,
    planned_end TIMESTAMP,
    actual_start TIMESTAMP,          -- implemented at
    actual_end TIMESTAMP,
    closed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    lead_time_hours DOUBLE,          -- raised -> implementation started
    authorisation_hours DOUBLE,      -- authorisation requested -> authorised
    implementation_hours DOUBLE,     -- actual start -> actual end
    started_late_hours DOUBLE,       -- planned start -> actual start (negative: early)
    expected_outage BOOLEAN NOT NULL,
    outage_minutes INTEGER,
    objectives_met BOOLEAN,
    unauthorised BOOLEAN NOT NULL,
    caused_incidents INTEGER NOT NULL, -- incidents confirmed as caused by the change
    caused_incident BOOLEAN NOT NULL,
    estimated_failure_probability DOUBLE, -- the risk evidence's estimate when accepted (0-1)
    went_wrong BOOLEAN,              -- closed: failed, backed out or followed by an incident
    risk_squared_error DOUBLE,       -- (estimate - went wrong)^2: its mean is the Brier score
    last_event_id BIGINT
)
"""

TIMES = (
    "opened_at",
    "submitted_at",
    "authorisation_requested_at",
    "authorised_at",
    "rejected_at",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "closed_at",
    "cancelled_at",
)
CHANGE_FACT_SCHEMA = pa.schema(
    [
        ("change_id", pa.int64()),
        ("number", pa.string()),
        ("imported_from", pa.string()),
        ("reference_only", pa.bool_()),
        ("change_type", pa.string()),
        ("state", pa.string()),
        ("is_open", pa.bool_()),
        ("closure_code", pa.string()),
        ("successful", pa.bool_()),
        ("risk", pa.int16()),
        ("priority", pa.int16()),
        ("category", pa.string()),
        ("template", pa.string()),
        ("service", pa.string()),
        ("ci", pa.string()),
        ("service_count", pa.int32()),
        ("ci_count", pa.int32()),
        ("team", pa.string()),
        ("implementer", pa.string()),
        ("requester", pa.string()),
        *((name, LOCAL_MICROSECONDS) for name in TIMES),
        ("lead_time_hours", pa.float64()),
        ("authorisation_hours", pa.float64()),
        ("implementation_hours", pa.float64()),
        ("started_late_hours", pa.float64()),
        ("expected_outage", pa.bool_()),
        ("outage_minutes", pa.int32()),
        ("objectives_met", pa.bool_()),
        ("unauthorised", pa.bool_()),
        ("caused_incidents", pa.int32()),
        ("caused_incident", pa.bool_()),
        ("estimated_failure_probability", pa.float64()),
        ("went_wrong", pa.bool_()),
        ("risk_squared_error", pa.float64()),
        ("last_event_id", pa.int64()),
    ]
)
SUCCESSFUL_CODES = (ClosureCode.SUCCESSFUL, ClosureCode.SUCCESSFUL_WITH_ISSUES)

CHANGE_VALUES = (
    "id",
    "number",
    "imported_from",
    "reference_only",
    "change_type",
    "state",
    "closure_code",
    "risk",
    "priority",
    "category__name",
    "template__name",
    "assignment_group_id",
    "implementer_id",
    "requester_id",
    *TIMES,
    "expected_outage",
    "outage_minutes",
    "objectives_met",
    "unauthorised",
)


def _change_values(changes: QuerySet[Change]) -> QuerySet:
    return changes.values_list(
        *(UtcText(name) if name in TIMES else name for name in CHANGE_VALUES)
    )


def _caused(ids: Sequence[int]) -> dict[int, int]:
    rows = (
        CausedIncident.objects.filter(change_id__in=ids, status=CausedIncidentStatus.CONFIRMED)
        .values("change_id")
        .annotate(n=Count("pk"))
        .values_list("change_id", "n")
    )
    return dict(rows)


def _outcomes(ids: Sequence[int]) -> dict[int, tuple[float | None, bool]]:
    """Per closed change: its recorded risk estimate (None without one) and whether it went
    wrong as the risk evidence counts it (services/evidence.py: failed, backed out, or
    followed by an incident nobody dismissed)."""
    closed = Change.objects.filter(pk__in=ids, state=State.CLOSED)
    rows = with_outcomes(closed).values_list(
        "pk", "risk_assessment__probability", "failed", "followed_by_incident"
    )
    return {
        pk: (probability, bool(failed) or bool(followed))
        for pk, probability, failed, followed in rows
    }


def _squared_error(outcome: tuple[float | None, bool] | None) -> float | None:
    if outcome is None or outcome[0] is None:
        return None
    probability, wrong = outcome
    return (probability - (1.0 if wrong else 0.0)) ** 2


def change_fact_table(rows: Sequence[tuple], *, names: Names) -> pa.Table:
    column = dict(zip(CHANGE_VALUES, zip(*rows, strict=True), strict=True))
    ids = list(column["id"])
    services, service_counts = first_related_names(
        Change.services.through.objects, "change", "service", ids
    )
    cis, ci_counts = first_related_names(
        Change.configuration_items.through.objects, "change", "configurationitem", ids
    )
    caused = _caused(ids)
    outcomes = _outcomes(ids)
    estimates = dict(
        RiskAssessment.objects.filter(change_id__in=ids).values_list("change_id", "probability")
    )
    people = names.people([*column["implementer_id"], *column["requester_id"]])
    times = {name: utc_column(column[name]) for name in TIMES}
    codes = column["closure_code"]
    facts = {
        "change_id": ids,
        "number": column["number"],
        "imported_from": column["imported_from"],
        "reference_only": booleans(column["reference_only"]),
        "change_type": column["change_type"],
        "state": column["state"],
        "is_open": [state in OPEN_STATES for state in column["state"]],
        "closure_code": [code or None for code in codes],
        "successful": [code in SUCCESSFUL_CODES if code else None for code in codes],
        "risk": column["risk"],
        "priority": column["priority"],
        "category": column["category__name"],
        "template": column["template__name"],
        "service": [services.get(pk) for pk in ids],
        "ci": [cis.get(pk) for pk in ids],
        "service_count": [service_counts.get(pk, 0) for pk in ids],
        "ci_count": [ci_counts.get(pk, 0) for pk in ids],
        "team": [names.teams.get(pk) for pk in column["assignment_group_id"]],
        "implementer": [people.get(pk) for pk in column["implementer_id"]],
        "requester": [people.get(pk) for pk in column["requester_id"]],
        **{name: local_wall_time(times[name]) for name in TIMES},
        "lead_time_hours": hours_between(times["opened_at"], times["actual_start"]),
        "authorisation_hours": hours_between(
            times["authorisation_requested_at"], times["authorised_at"]
        ),
        "implementation_hours": hours_between(times["actual_start"], times["actual_end"]),
        "started_late_hours": hours_between(times["planned_start"], times["actual_start"]),
        "expected_outage": booleans(column["expected_outage"]),
        "outage_minutes": column["outage_minutes"],
        "objectives_met": booleans(column["objectives_met"]),
        "unauthorised": booleans(column["unauthorised"]),
        "caused_incidents": [caused.get(pk, 0) for pk in ids],
        "caused_incident": [caused.get(pk, 0) > 0 for pk in ids],
        "estimated_failure_probability": [estimates.get(pk) for pk in ids],
        "went_wrong": [outcomes[pk][1] if pk in outcomes else None for pk in ids],
        "risk_squared_error": [_squared_error(outcomes.get(pk)) for pk in ids],
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=CHANGE_FACT_SCHEMA)


def _table_where(changes: Q, names: Names) -> pa.Table | None:
    rows = fetch_rows(_change_values(Change.objects.filter(changes).order_by("pk")))
    return change_fact_table(rows, names=names) if rows else None


def _rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    table = _table_where(Q(pk__gt=after, pk__lte=up_to), context.names)
    return CHANGE_FACT_SCHEMA.empty_table() if table is None else table


def _rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk_size):
        table = _table_where(Q(pk__in=ordered[start : start + chunk_size]), context.names)
        if table is not None:
            yield table


RENAME_EVENTS: dict[str, tuple[str, ...]] = {
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("requester", "implementer"),
    EventType.CHANGE_CATEGORY_UPDATED: ("category",),
}
BREAKDOWN_COLUMNS = {
    "service": "service",
    "ci": "ci",
    "team": "team",
    "implementer": "implementer",
    "category": "category",
    "template": "template",
    "risk": "risk",
    "priority": "priority",
}
COLUMN_LABELS = {
    "change_id": "change",
    "is_open": "open",
    "team": "assignment group",
    "ci": "configuration item",
    "service": "first affected service",
    "successful": "successful",
    "lead_time_hours": "hours from raised to implementation",
    "authorisation_hours": "hours to authorise",
    "implementation_hours": "hours implementing",
    "started_late_hours": "hours started after the planned start",
    "caused_incidents": "incidents caused",
    "caused_incident": "caused an incident",
    "reference_only": "known only by reference",
    "estimated_failure_probability": "estimated failure probability when accepted",
    "went_wrong": "went wrong",
    "risk_squared_error": "squared error of the risk estimate",
    "last_event_id": "last journal event",
}

CHANGES = register(
    RecordFamily(
        name="change_facts",
        label="Changes (one row per change)",
        noun="changes",
        column_labels=COLUMN_LABELS,
        ddl=CHANGE_FACTS,
        version="2",
        model=Change,
        key="change_id",
        breakdowns=BREAKDOWN_COLUMNS,
        rows_between=_rows_between,
        rows_of=_rows_of,
        renames=RENAME_EVENTS,
    )
)
