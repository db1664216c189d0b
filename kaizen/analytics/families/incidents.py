"""The incidents' fact family: one row per incident (`incident_facts`).

`incident_facts_between()` (an id range, for whole-table reads) and `incident_fact_tables()`
(given incidents, chunk by chunk) give one row per incident (every column of INCIDENT_FACTS
but `last_event_id`, which the writer fills from the incident event facts) as Arrow tables,
from four queries per chunk whatever its size (no N+1): the incidents with their catalogue
names, their SLA clocks (response and resolution), the people not named yet, and their problem
links (the problem process names incidents by number: kaizen.problems.models.LinkedIncident).
"""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from kaizen.analytics.business_time import BusinessCalendars
from kaizen.analytics.facts import (
    LOCAL_MICROSECONDS,
    Names,
    UtcText,
    booleans,
    business_hours,
    fetch_rows,
    hours_between,
    joined_name,
    local_wall_time,
    offering_names,
    timelines,
    utc_column,
)
from kaizen.analytics.families import FactContext, RecordFamily, register
from kaizen.incidents.models import OPEN_STATES, Incident, State
from kaizen.journal.events import EventType
from kaizen.problems.models import KnownError, LinkedIncident, Problem
from kaizen.sla.models import ClockState, SLAClock, TargetKind

INCIDENT_FACTS = """
CREATE TABLE IF NOT EXISTS incident_facts (
    incident_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    imported_from VARCHAR,           -- '' for incidents opened in Kaizen
    opened_at TIMESTAMP NOT NULL,
    first_responded_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    state VARCHAR NOT NULL,          -- kaizen.incidents.models.State values
    is_open BOOLEAN NOT NULL,
    priority SMALLINT,
    impact SMALLINT,
    urgency SMALLINT,
    channel VARCHAR,
    service VARCHAR,
    offering VARCHAR,
    ci VARCHAR,
    location VARCHAR,
    category VARCHAR,
    subcategory VARCHAR,
    team VARCHAR,                    -- assignment group
    assignee VARCHAR,
    caller VARCHAR,
    major_incident BOOLEAN NOT NULL,
    reassignment_count INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL,
    first_response_hours DOUBLE,     -- wall clock, opened -> first response
    first_response_business_hours DOUBLE,
    resolution_hours DOUBLE,         -- wall clock, opened -> resolved
    resolution_business_hours DOUBLE,
    sla_met BOOLEAN,                 -- Kaizen's resolution clock if any, else recorded verdict
    sla_source VARCHAR,              -- 'kaizen', 'recorded' or NULL (not measured)
    response_sla_met BOOLEAN,        -- Kaizen's response clock: met, breached; NULL: none
    first_contact_resolution BOOLEAN,
    problem VARCHAR,                 -- the problem it is linked to (the first linked), by number
    workaround_applied BOOLEAN,      -- worked with a known error's workaround
    known_error BOOLEAN,             -- matched a known error (a repeat incident)
    last_event_id BIGINT             -- the journal event the row reflects (provenance)
)
"""

INCIDENT_FACT_SCHEMA = pa.schema(
    [
        ("incident_id", pa.int64()),
        ("number", pa.string()),
        ("imported_from", pa.string()),
        ("opened_at", LOCAL_MICROSECONDS),
        ("first_responded_at", LOCAL_MICROSECONDS),
        ("resolved_at", LOCAL_MICROSECONDS),
        ("closed_at", LOCAL_MICROSECONDS),
        ("cancelled_at", LOCAL_MICROSECONDS),
        ("state", pa.string()),
        ("is_open", pa.bool_()),
        ("priority", pa.int16()),
        ("impact", pa.int16()),
        ("urgency", pa.int16()),
        ("channel", pa.string()),
        ("service", pa.string()),
        ("offering", pa.string()),
        ("ci", pa.string()),
        ("location", pa.string()),
        ("category", pa.string()),
        ("subcategory", pa.string()),
        ("team", pa.string()),
        ("assignee", pa.string()),
        ("caller", pa.string()),
        ("major_incident", pa.bool_()),
        ("reassignment_count", pa.int32()),
        ("reopen_count", pa.int32()),
        ("first_response_hours", pa.float64()),
        ("first_response_business_hours", pa.float64()),
        ("resolution_hours", pa.float64()),
        ("resolution_business_hours", pa.float64()),
        ("sla_met", pa.bool_()),
        ("sla_source", pa.string()),
        ("response_sla_met", pa.bool_()),
        ("first_contact_resolution", pa.bool_()),
        ("problem", pa.string()),
        ("workaround_applied", pa.bool_()),
        ("known_error", pa.bool_()),
        ("last_event_id", pa.int64()),
    ]
)
SLA_SOURCE_KAIZEN = "kaizen"
SLA_SOURCE_RECORDED = "recorded"
SETTLED_CLOCK_STATES = (ClockState.MET, ClockState.BREACHED)
RESOLVED_STATES = (State.RESOLVED, State.CLOSED)

INCIDENT_VALUES = (
    "id",
    "number",
    "imported_from",
    "opened_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "state",
    "priority",
    "impact",
    "urgency",
    "channel",
    "service__name",
    "offering__service__name",
    "offering__name",
    "configuration_item__name",
    "location__name",
    "category__name",
    "subcategory__parent__name",
    "subcategory__name",
    "assignment_group_id",
    "assignee_id",
    "caller_id",
    "major_incident",
    "reassignment_count",
    "reopen_count",
    "recorded_sla_met",
)
INCIDENT_TIMES = ("opened_at", "first_responded_at", "resolved_at", "closed_at", "cancelled_at")


def _incident_values(incidents: QuerySet[Incident]) -> QuerySet:
    """INCIDENT_VALUES of the incidents, times as UtcText."""
    return incidents.values_list(
        *(UtcText(name) if name in INCIDENT_TIMES else name for name in INCIDENT_VALUES)
    )


@dataclass(frozen=True)
class SpeakingClock:
    """The clock of one target (response, resolution) that speaks for an incident: its
    latest one of that kind not cancelled (the definition that matches now), else its latest
    one."""

    calendar_id: int
    state: str


@dataclass(frozen=True)
class SpeakingClocks:
    """By incident id: the clock that speaks for each target."""

    resolution: dict[int, SpeakingClock]
    response: dict[int, SpeakingClock]


def speaking_clocks(clocks: Q) -> SpeakingClocks:
    """The response and resolution clocks speaking for the incidents whose clocks match
    `clocks` (on their `ticket_id`), from one query."""
    rows = (
        SLAClock.objects.filter(
            clocks,
            ticket_type=ContentType.objects.get_for_model(Incident),
            kind__in=(TargetKind.RESOLUTION, TargetKind.RESPONSE),
        )
        .order_by("ticket_id", "sequence")
        .values_list("ticket_id", "kind", "state", "definition__calendar_id")
    )
    found = SpeakingClocks(resolution={}, response={})
    of_kind = {
        TargetKind.RESOLUTION.value: found.resolution,
        TargetKind.RESPONSE.value: found.response,
    }
    for incident_id, kind, state, calendar_id in rows:
        speaking = of_kind[kind]
        current = speaking.get(incident_id)
        if (
            current is None
            or state != ClockState.CANCELLED
            or current.state == ClockState.CANCELLED
        ):
            speaking[incident_id] = SpeakingClock(calendar_id, state)
    return found


def clock_verdict(clock: SpeakingClock | None) -> bool | None:
    """Met (True) or breached (False) for a settled clock; None without one or while it
    runs (a breached clock is settled at once, even while the incident waits)."""
    if clock is None or clock.state not in SETTLED_CLOCK_STATES:
        return None
    return clock.state == ClockState.MET


def sla_verdict(
    clock: SpeakingClock | None, recorded_sla_met: bool | None
) -> tuple[bool | None, str | None]:
    """(sla_met, sla_source): Kaizen's settled resolution clock, else the imported tool's
    recorded verdict, else not measured."""
    met = clock_verdict(clock)
    if met is not None:
        return met, SLA_SOURCE_KAIZEN
    if recorded_sla_met is not None:
        return bool(recorded_sla_met), SLA_SOURCE_RECORDED
    return None, None


def first_contact_resolution(state: str, reassignments: int, reopens: int) -> bool | None:
    """Resolved by the first group and person it was given to, and never reopened; unknown
    (None) while the incident is open or when it was cancelled."""
    if state not in RESOLVED_STATES:
        return None
    return reassignments == 0 and reopens == 0


def incident_fact_table(
    rows: Sequence[tuple],
    clocks: SpeakingClocks,
    *,
    calendars: BusinessCalendars,
    names: Names,
) -> pa.Table:
    """Fact rows for incident rows read as INCIDENT_VALUES, with their SLA clocks."""
    column = dict(zip(INCIDENT_VALUES, zip(*rows, strict=True), strict=True))
    ids = column["id"]
    people = names.people([*column["assignee_id"], *column["caller_id"]])
    times = {name: utc_column(column[name]) for name in INCIDENT_TIMES}
    measured = [
        times[name].cast(pa.int64()) for name in ("opened_at", "first_responded_at", "resolved_at")
    ]
    opened_us, responded_us, resolved_us = measured
    reporting_id = -1 if calendars.reporting_id is None else calendars.reporting_id
    resolution = clocks.resolution
    calendar_ids = np.array(
        [resolution[pk].calendar_id if pk in resolution else reporting_id for pk in ids],
        dtype=np.int64,
    )
    chunk_timelines = timelines(calendar_ids, measured, calendars)
    verdicts = [
        sla_verdict(resolution.get(pk), recorded)
        for pk, recorded in zip(ids, column["recorded_sla_met"], strict=True)
    ]
    facts = {
        "incident_id": ids,
        "number": column["number"],
        "imported_from": column["imported_from"],
        **{name: local_wall_time(times[name]) for name in INCIDENT_TIMES},
        "state": column["state"],
        "is_open": [state in OPEN_STATES for state in column["state"]],
        "priority": column["priority"],
        "impact": column["impact"],
        "urgency": column["urgency"],
        "channel": column["channel"],
        "service": column["service__name"],
        "offering": offering_names(column),
        "ci": column["configuration_item__name"],
        "location": column["location__name"],
        "category": column["category__name"],
        "subcategory": [
            joined_name(parent, child, " › ")
            for parent, child in zip(
                column["subcategory__parent__name"], column["subcategory__name"], strict=True
            )
        ],
        "team": [names.teams.get(pk) for pk in column["assignment_group_id"]],
        "assignee": [people.get(pk) for pk in column["assignee_id"]],
        "caller": [people.get(pk) for pk in column["caller_id"]],
        "major_incident": booleans(column["major_incident"]),
        "reassignment_count": column["reassignment_count"],
        "reopen_count": column["reopen_count"],
        "first_response_hours": hours_between(times["opened_at"], times["first_responded_at"]),
        "first_response_business_hours": business_hours(
            chunk_timelines, calendar_ids, opened_us, responded_us
        ),
        "resolution_hours": hours_between(times["opened_at"], times["resolved_at"]),
        "resolution_business_hours": business_hours(
            chunk_timelines, calendar_ids, opened_us, resolved_us
        ),
        "sla_met": [met for met, _ in verdicts],
        "sla_source": [source for _, source in verdicts],
        "response_sla_met": [clock_verdict(clocks.response.get(pk)) for pk in ids],
        "first_contact_resolution": [
            first_contact_resolution(state, reassignments, reopens)
            for state, reassignments, reopens in zip(
                column["state"], column["reassignment_count"], column["reopen_count"], strict=True
            )
        ],
        **problem_columns(column["number"], column["opened_at"]),
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=INCIDENT_FACT_SCHEMA)


def _fact_table_where(
    incidents: Q, clocks: Q, *, calendars: BusinessCalendars, names: Names
) -> pa.Table | None:
    """Fact rows of the incidents matching `incidents`, with the SLA clocks matching
    `clocks`; None when no incident matches."""
    rows = fetch_rows(_incident_values(Incident.objects.filter(incidents).order_by("pk")))
    if not rows:
        return None
    return incident_fact_table(rows, speaking_clocks(clocks), calendars=calendars, names=names)


def incident_facts_between(
    after: int, up_to: int, *, calendars: BusinessCalendars, names: Names
) -> pa.Table:
    """Fact rows of the incidents with ids in (after, up_to]. By id range, not an IN list of
    thousands of ids (which costs Django more to build than the query takes). A range may
    hold no incident: ids a rolled-back transaction used on PostgreSQL, or deleted rows."""
    table = _fact_table_where(
        Q(pk__gt=after, pk__lte=up_to),
        Q(ticket_id__gt=after, ticket_id__lte=up_to),
        calendars=calendars,
        names=names,
    )
    return INCIDENT_FACT_SCHEMA.empty_table() if table is None else table


def incident_fact_tables(
    incident_ids: Collection[int],
    *,
    chunk_size: int,
    calendars: BusinessCalendars,
    names: Names,
) -> Iterator[pa.Table]:
    """Fact tables of the given incidents, `chunk_size` at a time; ids of incidents that no
    longer exist are skipped."""
    ordered = sorted(incident_ids)
    for start in range(0, len(ordered), chunk_size):
        chunk = ordered[start : start + chunk_size]
        table = _fact_table_where(
            Q(pk__in=chunk), Q(ticket_id__in=chunk), calendars=calendars, names=names
        )
        if table is not None:
            yield table


def problem_columns(numbers: Sequence[str], opened_at: Sequence[str]) -> dict[str, list]:
    """What the incidents' problem links say (one query): the problem each is linked to (the
    first linked, when several), whether a known error's workaround was applied to it, and
    whether it matched a known error: linked through a known-error article, or to a problem
    that was already a known error when the incident was opened (opened_at as UtcText)."""
    links = (
        LinkedIncident.objects.filter(incident_number__in=numbers)
        .order_by("linked_at", "pk")
        .values_list(
            "incident_number",
            "problem__number",
            "workaround_applied",
            "known_error_id",
            UtcText("problem__known_error_at"),
        )
    )
    problem: dict[str, str] = {}
    applied: set[str] = set()
    known_error_since: dict[str, list[str | None]] = {}
    for number, problem_number, workaround, article, known_error_at in fetch_rows(links):
        problem.setdefault(number, problem_number)
        if workaround:
            applied.add(number)
        known_error_since.setdefault(number, []).append("" if article else known_error_at)
    opened = dict(zip(numbers, opened_at, strict=True))
    return {
        "problem": [problem.get(number) for number in numbers],
        "workaround_applied": [number in applied for number in numbers],
        "known_error": [
            any(since is not None and since <= opened[number] for since in sinces)
            for number, sinces in ((n, known_error_since.get(n, [])) for n in numbers)
        ],
    }


# A problem's events that may change what its linked incidents' facts say (when it became a
# known error), and a known error applied to an incident already linked.
PROBLEM_MOVES = frozenset(
    {EventType.PROBLEM_STATE_CHANGED, EventType.PROBLEM_UPDATED, EventType.KNOWN_ERROR_APPLIED}
)


def incidents_of_problems(events: Sequence[Any]) -> set[int]:
    """The incidents linked to the problems (or known errors' problems) these events moved."""
    moved = [event for event in events if event.event_type in PROBLEM_MOVES]
    if not moved:
        return set()
    types = ContentType.objects.get_for_models(Problem, KnownError)
    problems = {int(e.subject_id) for e in moved if e.subject_type_id == types[Problem].pk}
    articles = {int(e.subject_id) for e in moved if e.subject_type_id == types[KnownError].pk}
    numbers = LinkedIncident.objects.filter(
        Q(problem_id__in=problems) | Q(problem__known_errors__in=articles)
    ).values_list("incident_number", flat=True)
    return set(Incident.objects.filter(number__in=numbers).values_list("pk", flat=True))


# Events after which any incident's facts may have changed: a recompute re-measures SLA clocks,
# a calendar change moves business hours.
REFRESH_ALL_EVENTS = frozenset(
    {EventType.SLA_RECOMPUTED, EventType.CALENDAR_CREATED, EventType.CALENDAR_UPDATED}
)
# Events that may rename a record incident facts show by name, with the incident fields that
# point at it.
RENAME_EVENTS: dict[str, tuple[str, ...]] = {
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("caller", "assignee"),
    EventType.SERVICE_UPDATED: ("service",),
    EventType.OFFERING_UPDATED: ("offering",),
    EventType.CI_UPDATED: ("configuration_item",),
}
# The dimensions measurements can be broken down by: the name users see -> the fact column.
BREAKDOWN_COLUMNS = {
    "service": "service",
    "offering": "offering",
    "priority": "priority",
    "team": "team",
    "assignee": "assignee",
    "category": "category",
    "subcategory": "subcategory",
    "ci": "ci",
    "location": "location",
    "channel": "channel",
}


# The columns that are not the incident's own fields (or read better otherwise).
COLUMN_LABELS = {
    "incident_id": "incident",
    "is_open": "open",
    "team": "assignment group",
    "ci": "configuration item",
    "first_response_hours": "hours to first response",
    "first_response_business_hours": "business hours to first response",
    "resolution_hours": "hours to resolve",
    "resolution_business_hours": "business hours to resolve",
    "sla_met": "SLA verdict",
    "sla_source": "where the SLA verdict came from",
    "response_sla_met": "response SLA verdict",
    "first_contact_resolution": "first contact resolution",
    "problem": "linked problem",
    "workaround_applied": "worked with a known error's workaround",
    "known_error": "matched a known error",
    "last_event_id": "last journal event",
}


def _rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    return incident_facts_between(after, up_to, calendars=context.calendars, names=context.names)


def _rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    return incident_fact_tables(
        ids, chunk_size=chunk_size, calendars=context.calendars, names=context.names
    )


INCIDENTS = register(
    RecordFamily(
        name="incident_facts",
        label="Incidents (one row per incident)",
        noun="incidents",
        column_labels=COLUMN_LABELS,
        ddl=INCIDENT_FACTS,
        # 2: the linked problem, workaround applied, known error; 3: the response SLA verdict
        version="3",
        model=Incident,
        key="incident_id",
        breakdowns=BREAKDOWN_COLUMNS,
        rows_between=_rows_between,
        rows_of=_rows_of,
        refresh_all_events=REFRESH_ALL_EVENTS,
        renames=RENAME_EVENTS,
        touched_with=incidents_of_problems,
    )
)
