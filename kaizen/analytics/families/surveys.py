"""The surveys' fact family: one row per survey invitation (`survey_facts`).

Rows come from one query per chunk whatever its size (no N+1): the invitations with their
survey's, version's, service's and team's names and whether a follow-up was opened. A row is
rewritten on the invitation's own journal events (drawn, sent, reminded, expired, answered,
answer changed) and when the service or team it names is renamed.

Every row keeps the probability it was drawn with and its weight (1 / probability), so a
reader can weight figures by the inverse inclusion probability (Horvitz-Thompson); the KPI
engine's satisfaction KPIs are plain (unweighted) figures over the answers, the results page
(kaizen/surveys/results.py) weights. `scale` says what the headline's score means (rating
1-5, nps 0-10): figures never pool two scales, nor two versions (`survey_version`).
"""

from collections.abc import Collection, Iterator, Sequence

import pyarrow as pa
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from kaizen.analytics.facts import (
    LOCAL_MICROSECONDS,
    UtcText,
    fetch_rows,
    local_wall_time,
    utc_column,
)
from kaizen.analytics.families import FactContext, RecordFamily, register
from kaizen.journal.events import EventType
from kaizen.surveys.models import FollowUp, Invitation, InvitationState, Question

SURVEY_FACTS = """
CREATE TABLE IF NOT EXISTS survey_facts (
    invitation_id BIGINT PRIMARY KEY,
    survey VARCHAR NOT NULL,
    survey_version INTEGER NOT NULL,  -- a new version never pools with an older scale
    scale VARCHAR,                   -- the headline's kind: rating (1-5) or nps (0-10)
    ticket_kind VARCHAR NOT NULL,    -- the ticket source: incident (requests later)
    ticket_number VARCHAR NOT NULL,
    service VARCHAR,
    team VARCHAR,
    priority SMALLINT,
    sla_breached BOOLEAN,
    reassignment_count INTEGER NOT NULL,
    resolution_hours DOUBLE,         -- wall clock, opened -> resolved, when drawn
    inclusion_probability DOUBLE NOT NULL,
    weight DOUBLE NOT NULL,          -- 1 / inclusion_probability (Horvitz-Thompson)
    state VARCHAR NOT NULL,          -- scheduled, sent, answered, expired
    fielded BOOLEAN NOT NULL,        -- sent (answered or expired since): RR1's denominator
    answered BOOLEAN NOT NULL,
    triggered_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    answered_at TIMESTAMP,
    expired_at TIMESTAMP,
    score SMALLINT,                  -- the headline's answer
    satisfied BOOLEAN,               -- rating 4-5 (NULL: no answer or not a rating)
    dissatisfied BOOLEAN,            -- rating 1-2
    said_resolved BOOLEAN,           -- "was it resolved?" (NULL: not asked or not answered)
    follow_up BOOLEAN NOT NULL       -- a follow-up was opened
)
"""

TIMES = ("triggered_at", "sent_at", "answered_at", "expired_at")
SURVEY_FACT_SCHEMA = pa.schema(
    [
        ("invitation_id", pa.int64()),
        ("survey", pa.string()),
        ("survey_version", pa.int32()),
        ("scale", pa.string()),
        ("ticket_kind", pa.string()),
        ("ticket_number", pa.string()),
        ("service", pa.string()),
        ("team", pa.string()),
        ("priority", pa.int16()),
        ("sla_breached", pa.bool_()),
        ("reassignment_count", pa.int32()),
        ("resolution_hours", pa.float64()),
        ("inclusion_probability", pa.float64()),
        ("weight", pa.float64()),
        ("state", pa.string()),
        ("fielded", pa.bool_()),
        ("answered", pa.bool_()),
        ("triggered_at", LOCAL_MICROSECONDS),
        ("sent_at", LOCAL_MICROSECONDS),
        ("answered_at", LOCAL_MICROSECONDS),
        ("expired_at", LOCAL_MICROSECONDS),
        ("score", pa.int16()),
        ("satisfied", pa.bool_()),
        ("dissatisfied", pa.bool_()),
        ("said_resolved", pa.bool_()),
        ("follow_up", pa.bool_()),
    ]
)
VALUES = (
    "id",
    "definition__name",
    "survey_version__number",
    "scale",
    "source_key",
    "ticket_number",
    "service__name",
    "team__name",
    "priority",
    "sla_breached",
    "reassignment_count",
    "resolution_minutes",
    "inclusion_probability",
    "state",
    *TIMES,
    "score",
    "said_resolved",
    "has_follow_up",
)


def _values(invitations: QuerySet[Invitation]) -> QuerySet:
    headline = Question.objects.filter(version=OuterRef("survey_version"), is_headline=True)
    annotated = invitations.annotate(
        scale=Subquery(headline.values("kind")[:1]),
        has_follow_up=Exists(FollowUp.objects.filter(invitation=OuterRef("pk"))),
    )
    return annotated.values_list(*(UtcText(name) if name in TIMES else name for name in VALUES))


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


def survey_fact_table(rows: Sequence[tuple]) -> pa.Table:
    column = dict(zip(VALUES, zip(*rows, strict=True), strict=True))
    times = {name: utc_column(column[name]) for name in TIMES}
    scores = column["score"]
    scales = column["scale"]
    rating = [
        scale == "rating" and score is not None for scale, score in zip(scales, scores, strict=True)
    ]
    facts = {
        "invitation_id": column["id"],
        "survey": column["definition__name"],
        "survey_version": column["survey_version__number"],
        "scale": scales,
        "ticket_kind": column["source_key"],
        "ticket_number": column["ticket_number"],
        "service": column["service__name"],
        "team": column["team__name"],
        "priority": column["priority"],
        "sla_breached": [_flag(value) for value in column["sla_breached"]],
        "reassignment_count": column["reassignment_count"],
        "resolution_hours": [None if m is None else m / 60 for m in column["resolution_minutes"]],
        "inclusion_probability": column["inclusion_probability"],
        "weight": [1 / p for p in column["inclusion_probability"]],
        "state": column["state"],
        "fielded": [state != InvitationState.SCHEDULED for state in column["state"]],
        "answered": [state == InvitationState.ANSWERED for state in column["state"]],
        **{name: local_wall_time(times[name]) for name in TIMES},
        "score": scores,
        "satisfied": [s >= 4 if r else None for s, r in zip(scores, rating, strict=True)],
        "dissatisfied": [s <= 2 if r else None for s, r in zip(scores, rating, strict=True)],
        "said_resolved": [_flag(value) for value in column["said_resolved"]],
        "follow_up": [bool(value) for value in column["has_follow_up"]],
    }
    return pa.table(facts, schema=SURVEY_FACT_SCHEMA)


def _table_where(invitations: Q) -> pa.Table | None:
    rows = fetch_rows(_values(Invitation.objects.filter(invitations).order_by("pk")))
    return survey_fact_table(rows) if rows else None


def _rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    table = _table_where(Q(pk__gt=after, pk__lte=up_to))
    return SURVEY_FACT_SCHEMA.empty_table() if table is None else table


def _rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk_size):
        table = _table_where(Q(pk__in=ordered[start : start + chunk_size]))
        if table is not None:
            yield table


def _follow_up_invitations(events: Sequence) -> set[int]:
    """A follow-up opened changes its invitation's row (the follow-up is the event's subject)."""
    ids = [
        int(event.subject_id)
        for event in events
        if event.event_type == EventType.SURVEY_FOLLOW_UP_OPENED
    ]
    if not ids:
        return set()
    return set(FollowUp.objects.filter(pk__in=ids).values_list("invitation_id", flat=True))


SURVEYS = register(
    RecordFamily(
        name="survey_facts",
        label="Survey invitations (one row per invitation)",
        noun="survey invitations",
        column_labels={
            "invitation_id": "invitation",
            "weight": "weight (1 / inclusion probability)",
            "fielded": "sent (RR1 denominator)",
            "resolution_hours": "hours to resolve",
        },
        ddl=SURVEY_FACTS,
        version="1",
        model=Invitation,
        key="invitation_id",
        breakdowns={
            "service": "service",
            "team": "team",
            "priority": "priority",
            "survey": "survey",
        },
        rows_between=_rows_between,
        rows_of=_rows_of,
        renames={EventType.SERVICE_UPDATED: ("service",), EventType.TEAM_UPDATED: ("team",)},
        touched_with=_follow_up_invitations,
    )
)
