"""Fact rows for the analytics store, built in bulk from the OLTP database.

- `incident_facts_between()` (an id range, for whole-table reads) and
  `incident_fact_tables()` (given incidents, chunk by chunk) give one row per incident (every
  column of schema.INCIDENT_FACTS but `last_event_id`, which the writer fills from the event
  facts) as Arrow tables, from three queries per chunk whatever its size (no N+1): the
  incidents with their catalogue names, their resolution clocks, and the people not named
  yet.
- `event_fact_table()` gives one row per incident journal event: the state, team, assignee
  and priority moves, read out of the event's `changes` (incident events always carry every
  changed field with its old and new value) by DuckDB's JSON functions, column-wise, in an
  in-memory DuckDB of the process's own (so a rebuild's worker processes do this work too).

Rows are read through the database driver without Django's per-value converters, and every
column is converted in bulk by Arrow: at rebuild volume (millions of rows) Django's
per-value work would cost more than the queries themselves.

Times are stored as naive wall-clock times in settings.TIME_ZONE; durations are computed from
the aware instants first, so a DST change never stretches or shrinks one. Teams and people are
named as they are now (`Names`), so a rebuild files a renamed team's history under its new name.
"""

import os
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection as database
from django.db import models
from django.db.models import Case, F, Func, Max, Min, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

from kaizen.analytics.business_time import BusinessCalendars, BusinessTimeline
from kaizen.incidents.models import OPEN_STATES, Incident, State
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people.models import Team, User
from kaizen.sla.models import ClockState, SLAClock, TargetKind

# Bump when a column's meaning or computation changes: a store written by another version is
# rebuilt by the next sync instead of mixing old and new rows.
FACTS_VERSION = "1"

US_PER_HOUR = 3_600_000_000
UTC_MICROSECONDS = pa.timestamp("us", tz="UTC")
LOCAL_MICROSECONDS = pa.timestamp("us")

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
        ("first_contact_resolution", pa.bool_()),
        ("last_event_id", pa.int64()),
    ]
)
SLA_SOURCE_KAIZEN = "kaizen"
SLA_SOURCE_RECORDED = "recorded"
SETTLED_CLOCK_STATES = (ClockState.MET, ClockState.BREACHED)
RESOLVED_STATES = (State.RESOLVED, State.CLOSED)


def incident_content_type_id() -> int:
    return ContentType.objects.get_for_model(Incident).pk


def fetch_rows(queryset: QuerySet) -> list[tuple]:
    """The queryset's rows as the database driver gives them, without Django's per-value
    converters (booleans are 0/1 on SQLite). Datetimes are read as UtcText."""
    sql, params = queryset.query.sql_with_params()
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class UtcText(Func):
    """A datetime column as naive UTC text (`2026-03-02 09:00:00[.ffffff]`), which Arrow
    parses a column at a time (`utc_column`); Django and the SQLite driver would parse each
    value in Python."""

    output_field = TextField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS TEXT)", params  # Django stores UTC in this very format

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", params


# -- names -------------------------------------------------------------------------------------


def person_name(first_name: str, last_name: str, username: str) -> str:
    """A person as User.__str__ shows them: full name, else user name."""
    return f"{first_name} {last_name}".strip() or username


class Names:
    """Current names of teams and people for one sync run: teams all at once (few), people
    as their ids come up, each fetched once."""

    def __init__(self) -> None:
        self._teams: dict[int, str] | None = None
        self._people: dict[int, str] = {}
        self.everyone: pa.Table | None = None  # (id, name) of everyone, once all are loaded

    def load_everyone(self) -> None:
        """Every team and person now (a rebuild names most of them anyway): from then on no
        lookup queries the database, and event rows are named in one join with everyone."""
        self._teams = dict(Team.objects.values_list("pk", "name"))
        rows = User.objects.values_list("pk", "first_name", "last_name", "username")
        self._people = {pk: person_name(*names) for pk, *names in rows}
        self.everyone = _names_table(self._people)

    @property
    def teams(self) -> dict[int, str]:
        if self._teams is None:
            self._teams = dict(Team.objects.values_list("pk", "name"))
        return self._teams

    def people(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        """The names of these people (those that exist), fetching the ones not seen yet."""
        wanted = {user_id for user_id in user_ids if user_id is not None}
        missing = wanted - self._people.keys()
        if missing and self.everyone is None:
            rows = User.objects.filter(pk__in=missing).values_list(
                "pk", "first_name", "last_name", "username"
            )
            self._people.update((pk, person_name(*names)) for pk, *names in rows)
        return {pk: self._people[pk] for pk in wanted if pk in self._people}


# -- columns -----------------------------------------------------------------------------------


def utc_column(values: Sequence[str | None]) -> pa.Array:
    """Instants read as UtcText, as UTC timestamps."""
    naive = pa.array(values, pa.string()).cast(pa.timestamp("us"))
    return pc.assume_timezone(naive, "UTC")


def local_wall_time(column: pa.Array) -> pa.Array:
    """Instants as naive wall-clock times in the reporting zone (settings.TIME_ZONE)."""
    return pc.local_timestamp(column.cast(pa.timestamp("us", tz=settings.TIME_ZONE)))


def hours_between(start: pa.Array, end: pa.Array) -> pa.Array:
    """Wall-clock hours from start to end; null when either is missing."""
    microseconds = pc.subtract(end.cast(pa.int64()), start.cast(pa.int64()))
    return pc.divide(microseconds.cast(pa.float64()), float(US_PER_HOUR))


def booleans(values: Sequence[Any]) -> pa.Array:
    """Booleans from the driver (0/1 on SQLite), nulls kept."""
    return pa.array(values).cast(pa.bool_())


# -- incident facts ----------------------------------------------------------------------------

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
class ResolutionClock:
    """The resolution clock that speaks for an incident: its latest one not cancelled (the
    definition that matches now), else its latest one."""

    calendar_id: int
    state: str


def resolution_clocks(clocks: Q) -> dict[int, ResolutionClock]:
    """By incident id, for the incidents' clocks matching `clocks` (on their `ticket_id`)."""
    rows = (
        SLAClock.objects.filter(
            clocks,
            ticket_type=ContentType.objects.get_for_model(Incident),
            kind=TargetKind.RESOLUTION,
        )
        .order_by("ticket_id", "sequence")
        .values_list("ticket_id", "state", "definition__calendar_id")
    )
    found: dict[int, ResolutionClock] = {}
    for incident_id, state, calendar_id in rows:
        current = found.get(incident_id)
        if (
            current is None
            or state != ClockState.CANCELLED
            or current.state == ClockState.CANCELLED
        ):
            found[incident_id] = ResolutionClock(calendar_id, state)
    return found


def sla_verdict(
    clock: ResolutionClock | None, recorded_sla_met: bool | None
) -> tuple[bool | None, str | None]:
    """(sla_met, sla_source): Kaizen's settled resolution clock, else the imported tool's
    recorded verdict, else not measured."""
    if clock is not None and clock.state in SETTLED_CLOCK_STATES:
        return clock.state == ClockState.MET, SLA_SOURCE_KAIZEN
    if recorded_sla_met is not None:
        return bool(recorded_sla_met), SLA_SOURCE_RECORDED
    return None, None


def first_contact_resolution(state: str, reassignments: int, reopens: int) -> bool | None:
    """Resolved by the first group and person it was given to, and never reopened; unknown
    (None) while the incident is open or when it was cancelled."""
    if state not in RESOLVED_STATES:
        return None
    return reassignments == 0 and reopens == 0


def joined_name(parent: str | None, child: str | None, separator: str) -> str | None:
    """A record named under its parent, as its __str__ shows it ("Email: Mailbox access")."""
    if child is None:
        return None
    return f"{parent}{separator}{child}" if parent else child


def _timelines(
    calendar_ids: np.ndarray, instants: Sequence[pa.Array], calendars: BusinessCalendars
) -> dict[int, BusinessTimeline]:
    """A timeline per calendar in use, spanning every instant of the chunk (µs columns)."""
    used = {int(calendar_id) for calendar_id in np.unique(calendar_ids) if calendar_id >= 0}
    bounds = [pc.min_max(column) for column in instants]
    known = [bound[end].as_py() for bound in bounds for end in ("min", "max")]
    known = [instant for instant in known if instant is not None]
    if not used or not known:
        return {}
    return calendars.timelines((calendar_id, min(known), max(known)) for calendar_id in used)


def _business_hours(
    timelines: dict[int, BusinessTimeline],
    calendar_ids: np.ndarray,
    starts: pa.Array,
    ends: pa.Array,
) -> pa.Array:
    """Business hours from each start to its end (µs columns) on the row's calendar (-1:
    none); null where either is missing or there is no calendar."""
    both_known = pc.and_(pc.is_valid(starts), pc.is_valid(ends)).to_numpy(zero_copy_only=False)
    measured = both_known & (calendar_ids >= 0)
    start_us = starts.fill_null(0).to_numpy()
    end_us = ends.fill_null(0).to_numpy()
    hours = np.zeros(len(calendar_ids))
    for calendar_id, timeline in timelines.items():
        rows = measured & (calendar_ids == calendar_id)
        hours[rows] = timeline.business_us_array(start_us[rows], end_us[rows]) / US_PER_HOUR
    return pa.array(hours, mask=~measured)


def incident_fact_table(
    rows: Sequence[tuple],
    clocks: dict[int, ResolutionClock],
    *,
    calendars: BusinessCalendars,
    names: Names,
) -> pa.Table:
    """Fact rows for incident rows read as INCIDENT_VALUES, with their resolution clocks."""
    column = dict(zip(INCIDENT_VALUES, zip(*rows, strict=True), strict=True))
    ids = column["id"]
    people = names.people([*column["assignee_id"], *column["caller_id"]])
    times = {name: utc_column(column[name]) for name in INCIDENT_TIMES}
    measured = [
        times[name].cast(pa.int64()) for name in ("opened_at", "first_responded_at", "resolved_at")
    ]
    opened_us, responded_us, resolved_us = measured
    reporting_id = -1 if calendars.reporting_id is None else calendars.reporting_id
    calendar_ids = np.array(
        [clocks[pk].calendar_id if pk in clocks else reporting_id for pk in ids], dtype=np.int64
    )
    timelines = _timelines(calendar_ids, measured, calendars)
    verdicts = [
        sla_verdict(clocks.get(pk), recorded)
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
        "offering": [
            joined_name(service, offering, ": ")
            for service, offering in zip(
                column["offering__service__name"], column["offering__name"], strict=True
            )
        ],
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
        "first_response_business_hours": _business_hours(
            timelines, calendar_ids, opened_us, responded_us
        ),
        "resolution_hours": hours_between(times["opened_at"], times["resolved_at"]),
        "resolution_business_hours": _business_hours(
            timelines, calendar_ids, opened_us, resolved_us
        ),
        "sla_met": [met for met, _ in verdicts],
        "sla_source": [source for _, source in verdicts],
        "first_contact_resolution": [
            first_contact_resolution(state, reassignments, reopens)
            for state, reassignments, reopens in zip(
                column["state"], column["reassignment_count"], column["reopen_count"], strict=True
            )
        ],
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=INCIDENT_FACT_SCHEMA)


def id_ranges(
    model: type[models.Model], step: int, *, up_to: int | None = None
) -> list[tuple[int, int]]:
    """(after, up_to] id ranges of `step` ids each that together cover every row of the
    model (those with ids up to `up_to`), for reading a whole table in chunks that cost the
    same however far into it they are, and that can be read in any order or in parallel."""
    bounds = model.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    last = bounds["last"] if up_to is None else min(bounds["last"], up_to)
    return [(after, min(after + step, last)) for after in range(bounds["first"] - 1, last, step)]


def _fact_table_where(
    incidents: Q, clocks: Q, *, calendars: BusinessCalendars, names: Names
) -> pa.Table | None:
    """Fact rows of the incidents matching `incidents`, with the resolution clocks matching
    `clocks`; None when no incident matches."""
    rows = fetch_rows(_incident_values(Incident.objects.filter(incidents).order_by("pk")))
    if not rows:
        return None
    return incident_fact_table(rows, resolution_clocks(clocks), calendars=calendars, names=names)


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


# -- incident event facts ----------------------------------------------------------------------


# Incident events whose `changes` never hold a state, team, assignee or priority move (a
# comment, work note or attachment changes at most first_responded_at,
# kaizen/incidents/services/activity.py): their `changes` are not read, NULL gives no moves.
UNMOVING_EVENTS = (
    EventType.INCIDENT_COMMENTED,
    EventType.INCIDENT_WORK_NOTE_ADDED,
    EventType.INCIDENT_ATTACHMENT_ADDED,
)


def incident_event_rows(after: int, up_to: int) -> pa.Table:
    """The incident journal events with ids in (after, up_to], `changes` as JSON text."""
    events = (
        JournalEvent.objects.filter(
            id__gt=after, id__lte=up_to, subject_type_id=incident_content_type_id()
        )
        .order_by("id")
        .values_list(
            "id",
            "subject_id",
            UtcText("occurred_at"),
            "event_type",
            "actor_id",
            "actor_repr",
            Case(
                When(event_type__in=UNMOVING_EVENTS, then=Value(None)),
                default=Cast("changes", TextField()),
                output_field=TextField(),
            ),
        )
    )
    rows = fetch_rows(events)
    event_id, subject_id, occurred_at, event_type, actor_id, actor_repr, changes = (
        zip(*rows, strict=True) if rows else ((),) * 7
    )
    return pa.table(
        {
            "event_id": pa.array(event_id, pa.int64()),
            "incident_id": pa.array(subject_id, pa.string()).cast(pa.int64()),
            "occurred_at": local_wall_time(utc_column(occurred_at)),
            "event_type": pa.array(event_type, pa.string()),
            "actor_id": pa.array(actor_id, pa.int64()),
            "actor_repr": pa.array(actor_repr, pa.string()),
            "changes": pa.array(changes, pa.string()),
        }
    )


# What an event fact reads out of `changes`: (column, JSON path, SQL type). JSON null and absent
# keys alike give NULL.
EVENT_MOVES = (
    ("state_from", "$.state.old", "VARCHAR"),
    ("state_to", "$.state.new", "VARCHAR"),
    ("team_from_id", "$.assignment_group.old.id", "BIGINT"),
    ("team_to_id", "$.assignment_group.new.id", "BIGINT"),
    ("team_from_repr", "$.assignment_group.old.repr", "VARCHAR"),
    ("team_to_repr", "$.assignment_group.new.repr", "VARCHAR"),
    ("assignee_from_id", "$.assignee.old.id", "BIGINT"),
    ("assignee_to_id", "$.assignee.new.id", "BIGINT"),
    ("assignee_from_repr", "$.assignee.old.repr", "VARCHAR"),
    ("assignee_to_repr", "$.assignee.new.repr", "VARCHAR"),
    ("priority_from", "$.priority.old", "SMALLINT"),
    ("priority_to", "$.priority.new", "SMALLINT"),
)
# One JSON parse per event for all the paths (a list of paths gives a list of values).
EVENT_MOVES_SQL = f"""
SELECT
    event_id, incident_id, occurred_at, event_type, actor_id, actor_repr,
    {
    ", ".join(
        f"moved[{position}]::{sql_type} AS {column}"
        for position, (column, _, sql_type) in enumerate(EVENT_MOVES, start=1)
    )
}
FROM (
    SELECT *, json_extract_string(changes, [{", ".join(f"'{path}'" for _, path, _ in EVENT_MOVES)}])
        AS moved
    FROM event_rows
)
"""
EVENT_PEOPLE_SQL = f"""
WITH event_moves AS ({EVENT_MOVES_SQL})
SELECT DISTINCT person FROM (
    SELECT unnest([actor_id, assignee_from_id, assignee_to_id]) AS person FROM event_moves
) WHERE person IS NOT NULL
"""
# Teams and people by their current names; the name the journal recorded if one is gone.
EVENT_FACTS_SQL = f"""
WITH event_moves AS ({EVENT_MOVES_SQL})
SELECT
    m.event_id, m.incident_id, m.occurred_at, m.event_type,
    coalesce(actor.name, m.actor_repr) AS actor,
    m.state_from, m.state_to,
    CASE WHEN m.team_from_id IS NOT NULL THEN coalesce(team_from.name, m.team_from_repr) END
        AS team_from,
    CASE WHEN m.team_to_id IS NOT NULL THEN coalesce(team_to.name, m.team_to_repr) END
        AS team_to,
    CASE WHEN m.assignee_from_id IS NOT NULL
        THEN coalesce(assignee_from.name, m.assignee_from_repr) END AS assignee_from,
    CASE WHEN m.assignee_to_id IS NOT NULL
        THEN coalesce(assignee_to.name, m.assignee_to_repr) END AS assignee_to,
    m.priority_from, m.priority_to
FROM event_moves m
LEFT JOIN team_names team_from ON team_from.id = m.team_from_id
LEFT JOIN team_names team_to ON team_to.id = m.team_to_id
LEFT JOIN people_names assignee_from ON assignee_from.id = m.assignee_from_id
LEFT JOIN people_names assignee_to ON assignee_to.id = m.assignee_to_id
LEFT JOIN people_names actor ON actor.id = m.actor_id
"""


def _names_table(names: dict[int, str]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(list(names), pa.int64()),
            "name": pa.array(list(names.values()), pa.string()),
        }
    )


_scratch = threading.local()


def _scratch_engine() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of this thread's own, made once (a connection costs ~15 ms), and
    again in a forked process. A fork keeps its parent's engine referenced and never uses
    it: the engine's threads did not come along, and closing it there would crash."""
    engines = getattr(_scratch, "engines", None)
    if engines is None:
        engines = _scratch.engines = {}
    if os.getpid() not in engines:
        engines[os.getpid()] = duckdb.connect(config={"threads": 1})  # one per worker core
    return engines[os.getpid()]


def event_fact_table(events: pa.Table, *, names: Names) -> pa.Table:
    """The fact rows of these incident events (from incident_event_rows), with the columns
    of incident_event_facts."""
    engine = _scratch_engine()
    engine.register("event_rows", events)
    try:
        if names.everyone is None:  # a sync: look up only the people these events name
            people = [person for (person,) in engine.execute(EVENT_PEOPLE_SQL).fetchall()]
            engine.register("people_names", _names_table(names.people(people)))
        else:
            engine.register("people_names", names.everyone)
        engine.register("team_names", _names_table(names.teams))
        return engine.sql(EVENT_FACTS_SQL).to_arrow_table()
    finally:
        for relation in ("event_rows", "people_names", "team_names"):
            engine.unregister(relation)
