"""The incident events' fact family: one row per incident journal event
(`incident_event_facts`).

`event_fact_table()` gives the state, team, assignee and priority moves of each event, read out
of the event's `changes` (incident events always carry every changed field with its old and
new value) by DuckDB's JSON functions, column-wise, in the process's own in-memory DuckDB
(facts.scratch_engine), so a rebuild's worker processes do this work too.
"""

import pyarrow as pa
from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Cast

from kaizen.analytics.facts import (
    Names,
    UtcText,
    fetch_rows,
    local_wall_time,
    names_table,
    scratch_engine,
    utc_column,
)
from kaizen.analytics.families import EventFamily, register
from kaizen.analytics.families.incidents import INCIDENTS
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

INCIDENT_EVENT_FACTS = """
CREATE TABLE IF NOT EXISTS incident_event_facts (
    event_id BIGINT PRIMARY KEY,
    incident_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    event_type VARCHAR NOT NULL,
    actor VARCHAR,
    state_from VARCHAR,
    state_to VARCHAR,
    team_from VARCHAR,
    team_to VARCHAR,
    assignee_from VARCHAR,
    assignee_to VARCHAR,
    priority_from SMALLINT,
    priority_to SMALLINT
)
"""

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
            id__gt=after,
            id__lte=up_to,
            subject_type_id=INCIDENTS.content_type_id(),
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


def event_fact_table(events: pa.Table, *, names: Names) -> pa.Table:
    """The fact rows of these incident events (from incident_event_rows), with the columns
    of incident_event_facts."""
    engine = scratch_engine()
    engine.register("event_rows", events)
    try:
        if names.everyone is None:  # a sync: look up only the people these events name
            people = [person for (person,) in engine.execute(EVENT_PEOPLE_SQL).fetchall()]
            engine.register("people_names", names_table(names.people(people)))
        else:
            engine.register("people_names", names.everyone)
        engine.register("team_names", names_table(names.teams))
        return engine.sql(EVENT_FACTS_SQL).to_arrow_table()
    finally:
        for relation in ("event_rows", "people_names", "team_names"):
            engine.unregister(relation)


INCIDENT_EVENTS = register(
    EventFamily(
        name="incident_event_facts",
        label="Incident events (one row per journal event)",
        noun="incident events",
        column_labels={
            "event_id": "journal event",
            "incident_id": "incident",
            "occurred_at": "when it happened",
            "event_type": "what happened",
        },
        ddl=INCIDENT_EVENT_FACTS,
        version="1",
        records=INCIDENTS.name,
        rows_between=lambda after, up_to, names: event_fact_table(
            incident_event_rows(after, up_to), names=names
        ),
    )
)
