"""The problems' fact family: one row per problem (`problem_facts`).

Rows come from five queries per chunk whatever its size (no N+1): the problems, their
services and CIs (first by name, and how many), their incident links counted, the services'
and CIs' ids of the resolved ones, and the incidents of the resolved problems' kinds around
their resolution (kaizen.analytics.problem_kind), from which `incidents_before`,
`incidents_after` and `incidents_avoided` are counted.

Those three depend on incidents as well as on the problem, and on the time: the after window
is counted once it has passed. So besides the problem's own events, any batch of incident
events refreshes the rows of the fixed problems whose windows hold one of those incidents, and
of those resolved within the last window and a day (whose window may have just passed): a
sync running on a live journal notices a window passing within a minute.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import pyarrow as pa
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

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
from kaizen.analytics.problem_kind import FIX_WINDOW, FIXED_CODES
from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.problems.models import OPEN_STATES, LinkedIncident, Problem

PROBLEM_FACTS = """
CREATE TABLE IF NOT EXISTS problem_facts (
    problem_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    imported_from VARCHAR,           -- '' for problems raised in Kaizen
    reference_only BOOLEAN NOT NULL, -- known only because imported incidents name it
    origin VARCHAR NOT NULL,         -- raised, candidate, imported
    state VARCHAR NOT NULL,          -- kaizen.problems.models.State values
    is_open BOOLEAN NOT NULL,
    closure_code VARCHAR,            -- fixed, duplicate, risk_accepted, cancelled
    cause_category VARCHAR,
    priority SMALLINT,
    impact SMALLINT,
    urgency SMALLINT,
    category VARCHAR,                -- the incident category's name
    service VARCHAR,                 -- the first service, by name
    ci VARCHAR,                      -- the first configuration item, by name
    service_count INTEGER NOT NULL,
    ci_count INTEGER NOT NULL,
    team VARCHAR,                    -- assignment group
    owner VARCHAR,
    opened_at TIMESTAMP NOT NULL,
    assessed_at TIMESTAMP,
    root_cause_at TIMESTAMP,
    known_error_at TIMESTAMP,
    workaround_at TIMESTAMP,
    fix_started_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    risk_review_on DATE,
    reopen_count INTEGER NOT NULL,
    linked_incidents INTEGER NOT NULL,
    workarounds_applied INTEGER NOT NULL, -- linked incidents worked with its workaround
    has_workaround BOOLEAN NOT NULL,
    has_root_cause BOOLEAN NOT NULL,
    root_cause_hours DOUBLE,         -- opened -> root cause recorded
    known_error_hours DOUBLE,        -- opened -> known error
    workaround_hours DOUBLE,         -- opened -> workaround recorded
    resolution_hours DOUBLE,         -- opened -> resolved
    incidents_before INTEGER,        -- of its kind, in the fix window before resolved_at
    incidents_after INTEGER,         -- the same after, once the window has passed
    incidents_avoided INTEGER,       -- incidents_before - incidents_after
    last_event_id BIGINT
)
"""

TIMES = (
    "opened_at",
    "assessed_at",
    "root_cause_at",
    "known_error_at",
    "workaround_at",
    "fix_started_at",
    "resolved_at",
    "closed_at",
)
PROBLEM_FACT_SCHEMA = pa.schema(
    [
        ("problem_id", pa.int64()),
        ("number", pa.string()),
        ("imported_from", pa.string()),
        ("reference_only", pa.bool_()),
        ("origin", pa.string()),
        ("state", pa.string()),
        ("is_open", pa.bool_()),
        ("closure_code", pa.string()),
        ("cause_category", pa.string()),
        ("priority", pa.int16()),
        ("impact", pa.int16()),
        ("urgency", pa.int16()),
        ("category", pa.string()),
        ("service", pa.string()),
        ("ci", pa.string()),
        ("service_count", pa.int32()),
        ("ci_count", pa.int32()),
        ("team", pa.string()),
        ("owner", pa.string()),
        *((name, LOCAL_MICROSECONDS) for name in TIMES),
        ("risk_review_on", pa.date32()),
        ("reopen_count", pa.int32()),
        ("linked_incidents", pa.int32()),
        ("workarounds_applied", pa.int32()),
        ("has_workaround", pa.bool_()),
        ("has_root_cause", pa.bool_()),
        ("root_cause_hours", pa.float64()),
        ("known_error_hours", pa.float64()),
        ("workaround_hours", pa.float64()),
        ("resolution_hours", pa.float64()),
        ("incidents_before", pa.int32()),
        ("incidents_after", pa.int32()),
        ("incidents_avoided", pa.int32()),
        ("last_event_id", pa.int64()),
    ]
)

PROBLEM_VALUES = (
    "id",
    "number",
    "imported_from",
    "reference_only",
    "origin",
    "state",
    "closure_code",
    "cause_category",
    "priority",
    "impact",
    "urgency",
    "category",
    "assignment_group_id",
    "owner_id",
    *TIMES,
    "risk_review_on",
    "reopen_count",
    "workaround",
    "root_cause",
)


def _problem_values(problems: QuerySet[Problem]) -> QuerySet:
    return problems.values_list(
        *(UtcText(name) if name in TIMES else name for name in PROBLEM_VALUES)
    )


def _link_counts(ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per problem: (incidents linked, of which worked with the workaround)."""
    rows = (
        LinkedIncident.objects.filter(problem_id__in=ids)
        .values("problem_id")
        .annotate(n=Count("pk"), applied=Count("pk", filter=Q(workaround_applied=True)))
        .values_list("problem_id", "n", "applied")
    )
    return {problem_id: (n, applied) for problem_id, n, applied in rows}


def fix_windows(
    resolved: dict[int, tuple[dt.datetime, str]], *, now: dt.datetime
) -> dict[int, tuple[int, int | None]]:
    """For fixed problems ({id: (resolved_at, category)}): the incidents of each one's kind
    opened in the window before and after its resolution, the after count None until the
    window has passed. Problems without a kind are left out."""
    if not resolved:
        return {}
    services: dict[int, set[int]] = defaultdict(set)
    cis: dict[int, set[int]] = defaultdict(set)
    for problem_id, service_id in Problem.services.through.objects.filter(
        problem_id__in=resolved
    ).values_list("problem_id", "service_id"):
        services[problem_id].add(service_id)
    for problem_id, ci_id in Problem.configuration_items.through.objects.filter(
        problem_id__in=resolved
    ).values_list("problem_id", "configurationitem_id"):
        cis[problem_id].add(ci_id)
    kinds = {
        pk: (services[pk], cis[pk], category)
        for pk, (_, category) in resolved.items()
        if services[pk] or cis[pk] or category
    }
    if not kinds:
        return {}
    all_services = set().union(*(kind[0] for kind in kinds.values()))
    all_cis = set().union(*(kind[1] for kind in kinds.values()))
    categories = {kind[2] for kind in kinds.values() if kind[2]}
    first = min(resolved[pk][0] for pk in kinds) - FIX_WINDOW
    last = max(resolved[pk][0] for pk in kinds) + FIX_WINDOW
    candidates = list(
        Incident.objects.filter(opened_at__gte=first, opened_at__lt=last)
        .exclude(state="cancelled")
        .filter(
            Q(service_id__in=all_services)
            | Q(configuration_item_id__in=all_cis)
            | Q(category__name__in=categories)
        )
        .values_list("service_id", "configuration_item_id", "category__name", "opened_at")
    )
    counted: dict[int, tuple[int, int | None]] = {}
    for pk, (service_ids, ci_ids, category) in kinds.items():
        resolved_at = resolved[pk][0]
        before = after = 0
        for service_id, ci_id, incident_category, opened_at in candidates:
            if (service_ids or ci_ids) and not (service_id in service_ids or ci_id in ci_ids):
                continue
            if category and incident_category != category:
                continue
            if resolved_at - FIX_WINDOW <= opened_at < resolved_at:
                before += 1
            elif resolved_at <= opened_at < resolved_at + FIX_WINDOW:
                after += 1
        counted[pk] = (before, after if resolved_at + FIX_WINDOW <= now else None)
    return counted


def _dates(values: Sequence[Any]) -> pa.Array:
    """Dates as the driver gives them (text on SQLite, dates on PostgreSQL)."""
    return pa.array([None if v is None else str(v) for v in values], pa.string()).cast(pa.date32())


def problem_fact_table(rows: Sequence[tuple], *, names: Names) -> pa.Table:
    column = dict(zip(PROBLEM_VALUES, zip(*rows, strict=True), strict=True))
    ids = list(column["id"])
    services, service_counts = first_related_names(
        Problem.services.through.objects, "problem", "service", ids
    )
    cis, ci_counts = first_related_names(
        Problem.configuration_items.through.objects, "problem", "configurationitem", ids
    )
    links = _link_counts(ids)
    people = names.people(column["owner_id"])
    times = {name: utc_column(column[name]) for name in TIMES}
    resolved_instants = times["resolved_at"].to_pylist()
    resolved = {
        pk: (resolved_at, category)
        for pk, resolved_at, code, category in zip(
            ids, resolved_instants, column["closure_code"], column["category"], strict=True
        )
        if resolved_at is not None and (code or "") in FIXED_CODES
    }
    windows = fix_windows(resolved, now=timezone.now())
    facts = {
        "problem_id": ids,
        "number": column["number"],
        "imported_from": column["imported_from"],
        "reference_only": booleans(column["reference_only"]),
        "origin": column["origin"],
        "state": column["state"],
        "is_open": [state in OPEN_STATES for state in column["state"]],
        "closure_code": [code or None for code in column["closure_code"]],
        "cause_category": [cause or None for cause in column["cause_category"]],
        "priority": column["priority"],
        "impact": column["impact"],
        "urgency": column["urgency"],
        "category": [category or None for category in column["category"]],
        "service": [services.get(pk) for pk in ids],
        "ci": [cis.get(pk) for pk in ids],
        "service_count": [service_counts.get(pk, 0) for pk in ids],
        "ci_count": [ci_counts.get(pk, 0) for pk in ids],
        "team": [names.teams.get(pk) for pk in column["assignment_group_id"]],
        "owner": [people.get(pk) for pk in column["owner_id"]],
        **{name: local_wall_time(times[name]) for name in TIMES},
        "risk_review_on": _dates(column["risk_review_on"]),
        "reopen_count": column["reopen_count"],
        "linked_incidents": [links.get(pk, (0, 0))[0] for pk in ids],
        "workarounds_applied": [links.get(pk, (0, 0))[1] for pk in ids],
        "has_workaround": [bool(text.strip()) for text in column["workaround"]],
        "has_root_cause": [bool(text.strip()) for text in column["root_cause"]],
        "root_cause_hours": hours_between(times["opened_at"], times["root_cause_at"]),
        "known_error_hours": hours_between(times["opened_at"], times["known_error_at"]),
        "workaround_hours": hours_between(times["opened_at"], times["workaround_at"]),
        "resolution_hours": hours_between(times["opened_at"], times["resolved_at"]),
        "incidents_before": [windows[pk][0] if pk in windows else None for pk in ids],
        "incidents_after": [windows[pk][1] if pk in windows else None for pk in ids],
        "incidents_avoided": [
            windows[pk][0] - windows[pk][1]
            if pk in windows and windows[pk][1] is not None
            else None
            for pk in ids
        ],
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=PROBLEM_FACT_SCHEMA)


def _table_where(problems: Q, names: Names) -> pa.Table | None:
    rows = fetch_rows(_problem_values(Problem.objects.filter(problems).order_by("pk")))
    return problem_fact_table(rows, names=names) if rows else None


def _rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    table = _table_where(Q(pk__gt=after, pk__lte=up_to), context.names)
    return PROBLEM_FACT_SCHEMA.empty_table() if table is None else table


def _rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk_size):
        table = _table_where(Q(pk__in=ordered[start : start + chunk_size]), context.names)
        if table is not None:
            yield table


def problems_around_incidents(events: Sequence[Any]) -> set[int]:
    """The fixed problems whose fix windows the incidents these events are about fall in, and
    those resolved within the last window and a day (their window may have just passed)."""
    incident_type = ContentType.objects.get_for_model(Incident).pk
    incident_ids = {int(e.subject_id) for e in events if e.subject_type_id == incident_type}
    if not incident_ids:
        return set()
    recent = Q(resolved_at__gte=timezone.now() - FIX_WINDOW - dt.timedelta(days=1))
    bounds = Incident.objects.filter(pk__in=incident_ids).aggregate(
        first=Min("opened_at"), last=Max("opened_at")
    )
    around = Q()
    if bounds["first"] is not None:
        around = Q(
            resolved_at__gt=bounds["first"] - FIX_WINDOW,
            resolved_at__lte=bounds["last"] + FIX_WINDOW,
        )
    fixed = Problem.objects.filter(resolved_at__isnull=False, closure_code__in=FIXED_CODES)
    return set(fixed.filter(recent | around).values_list("pk", flat=True))


RENAME_EVENTS: dict[str, tuple[str, ...]] = {
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("owner",),
}
BREAKDOWN_COLUMNS = {
    "service": "service",
    "ci": "ci",
    "team": "team",
    "category": "category",
    "priority": "priority",
    "cause_category": "cause_category",
}
COLUMN_LABELS = {
    "problem_id": "problem",
    "is_open": "open",
    "team": "assignment group",
    "ci": "first configuration item",
    "service": "first service",
    "reference_only": "known only by reference",
    "linked_incidents": "incidents linked",
    "workarounds_applied": "incidents worked with the workaround",
    "has_workaround": "has a workaround",
    "has_root_cause": "has a root cause",
    "root_cause_hours": "hours to root cause",
    "known_error_hours": "hours to known error",
    "workaround_hours": "hours to workaround",
    "resolution_hours": "hours to resolve",
    "incidents_before": "incidents of its kind before the fix",
    "incidents_after": "incidents of its kind after the fix",
    "incidents_avoided": "incidents avoided by the fix",
    "last_event_id": "last journal event",
}

PROBLEMS = register(
    RecordFamily(
        name="problem_facts",
        label="Problems (one row per problem)",
        noun="problems",
        column_labels=COLUMN_LABELS,
        ddl=PROBLEM_FACTS,
        version="1",
        model=Problem,
        key="problem_id",
        breakdowns=BREAKDOWN_COLUMNS,
        rows_between=_rows_between,
        rows_of=_rows_of,
        renames=RENAME_EVENTS,
        touched_with=problems_around_incidents,
    )
)
