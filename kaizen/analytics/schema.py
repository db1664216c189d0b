"""The analytics store's tables: the contract between the sync (writer) and the KPI engine.

Timestamps are naive wall-clock times in the reporting time zone (settings.TIME_ZONE), so a
"month" or a "day" is the organisation's own; durations are computed from the aware times
before conversion, so a DST change never shortens or lengthens one. Names of related records
(team, service, category...) are stored as text: the store is for grouping and filtering, and
a renamed team keeps its history under its current name after a rebuild.
"""

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
    first_contact_resolution BOOLEAN,
    last_event_id BIGINT             -- the journal event the row reflects (provenance)
)
"""

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

SYNC_STATE = """
CREATE TABLE IF NOT EXISTS sync_state (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
)
"""

SCHEMA = (INCIDENT_FACTS, INCIDENT_EVENT_FACTS, SYNC_STATE)

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
