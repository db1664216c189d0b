"""The service requests' fact families: one row per request (`request_facts`), per fulfilment
task (`request_task_facts`) and per approval step of a request (`request_approval_facts`).

Rows come from a fixed number of queries per chunk whatever its size (no N+1): the records
with their names, their SLA clocks (one query), and for requests the count of their approval
steps and tasks.

Hours come in two kinds, each column saying which:

- wall clock (`*_hours`): what the requester lived through, nights and weekends included;
- business (`*_business_hours`): on the business calendar of the record's speaking clock (the
  request's delivery target, the task's OLA), else the reporting calendar
  (KAIZEN_REPORTING_CALENDAR), else not measured (NULL). Approval steps are measured on the
  reporting calendar.

`sla_met` is the request's delivery (resolution) clock as the SLA app settled it: met or
breached; NULL while it runs or when no definition applies. A task's `ola_met` is its own
resolution clock the same way. A request's, task's or step's row is rewritten on its own
journal events (the approval and task events are journaled on the request and the task), on a
re-measure of the SLA clocks and when the type, service, offering, team or person it names is
renamed.
"""

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from kaizen.analytics.business_time import BusinessCalendars
from kaizen.analytics.facts import (
    LOCAL_MICROSECONDS,
    UtcText,
    business_hours,
    fetch_rows,
    hours_between,
    local_wall_time,
    offering_names,
    timelines,
    utc_column,
)
from kaizen.analytics.families import FactContext, RecordFamily, register
from kaizen.analytics.families.incidents import SpeakingClock, clock_verdict
from kaizen.journal.events import EventType
from kaizen.requests.models import (
    OPEN_STATES,
    TASK_OPEN_STATES,
    FulfilmentTask,
    RequestApproval,
    ServiceRequest,
    StepState,
)
from kaizen.sla.models import ClockState, SLAClock, TargetKind

# -- requests ----------------------------------------------------------------------------------

REQUEST_FACTS = """
CREATE TABLE IF NOT EXISTS request_facts (
    request_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    request_type VARCHAR NOT NULL,
    offering VARCHAR,                -- 'Service: Offering'
    service VARCHAR NOT NULL,
    team VARCHAR,                    -- the assignment (fulfilment) group
    channel VARCHAR NOT NULL,        -- portal, api, email, import
    state VARCHAR NOT NULL,          -- kaizen.requests.models.State values
    is_open BOOLEAN NOT NULL,
    requester VARCHAR NOT NULL,      -- who it is for
    on_behalf BOOLEAN NOT NULL,      -- filled by someone else (an agent) for the requester
    price DOUBLE,                    -- what the requester's cost centre is charged
    approval_steps INTEGER NOT NULL, -- approval steps the request went through (0: none)
    tasks INTEGER NOT NULL,          -- fulfilment tasks
    opened_at TIMESTAMP NOT NULL,
    approval_requested_at TIMESTAMP,
    approved_at TIMESTAMP,
    rejected_at TIMESTAMP,
    approval_decided_at TIMESTAMP,   -- approved or rejected, for requests with approval steps
    fulfilled_at TIMESTAMP,
    failed_at TIMESTAMP,
    closed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    approval_hours DOUBLE,           -- wall clock, approval requested -> approved or rejected
    approval_business_hours DOUBLE,  -- the same span in business hours
    fulfilment_hours DOUBLE,         -- wall clock, opened -> fulfilled (what the requester waits)
    fulfilment_business_hours DOUBLE, -- the same span in business hours
    sla_met BOOLEAN,                 -- the delivery clock: met, breached; NULL: none or running
    response_sla_met BOOLEAN,        -- the response clock, the same way
    last_event_id BIGINT
)
"""

REQUEST_TIMES = (
    "opened_at",
    "approval_requested_at",
    "approved_at",
    "rejected_at",
    "fulfilled_at",
    "failed_at",
    "closed_at",
    "cancelled_at",
)
REQUEST_FACT_SCHEMA = pa.schema(
    [
        ("request_id", pa.int64()),
        ("number", pa.string()),
        ("request_type", pa.string()),
        ("offering", pa.string()),
        ("service", pa.string()),
        ("team", pa.string()),
        ("channel", pa.string()),
        ("state", pa.string()),
        ("is_open", pa.bool_()),
        ("requester", pa.string()),
        ("on_behalf", pa.bool_()),
        ("price", pa.float64()),
        ("approval_steps", pa.int32()),
        ("tasks", pa.int32()),
        *((name, LOCAL_MICROSECONDS) for name in REQUEST_TIMES[:4]),
        ("approval_decided_at", LOCAL_MICROSECONDS),
        *((name, LOCAL_MICROSECONDS) for name in REQUEST_TIMES[4:]),
        ("approval_hours", pa.float64()),
        ("approval_business_hours", pa.float64()),
        ("fulfilment_hours", pa.float64()),
        ("fulfilment_business_hours", pa.float64()),
        ("sla_met", pa.bool_()),
        ("response_sla_met", pa.bool_()),
        ("last_event_id", pa.int64()),
    ]
)
REQUEST_VALUES = (
    "id",
    "number",
    "request_type__name",
    "offering__service__name",
    "offering__name",
    "service__name",
    "assignment_group_id",
    "channel",
    "state",
    "requested_for_id",
    "requested_by_id",
    "price",
    *REQUEST_TIMES,
)


def _values(rows: QuerySet, names: Sequence[str], times: Sequence[str]) -> QuerySet:
    return rows.values_list(*(UtcText(name) if name in times else name for name in names))


def speaking_clocks(
    model: type, clocks: Q
) -> tuple[dict[int, SpeakingClock], dict[int, SpeakingClock]]:
    """(resolution, response) clocks speaking for each ticket of `model` whose clocks match
    `clocks`: its latest clock of the kind not cancelled, else its latest (one query)."""
    rows = (
        SLAClock.objects.filter(
            clocks,
            ticket_type=ContentType.objects.get_for_model(model),
            kind__in=(TargetKind.RESOLUTION, TargetKind.RESPONSE),
        )
        .order_by("ticket_id", "sequence")
        .values_list("ticket_id", "kind", "state", "definition__calendar_id")
    )
    resolution: dict[int, SpeakingClock] = {}
    response: dict[int, SpeakingClock] = {}
    for ticket_id, kind, state, calendar_id in rows:
        speaking = resolution if kind == TargetKind.RESOLUTION else response
        current = speaking.get(ticket_id)
        if (
            current is None
            or state != ClockState.CANCELLED
            or current.state == ClockState.CANCELLED
        ):
            speaking[ticket_id] = SpeakingClock(calendar_id, state)
    return resolution, response


def _calendar_ids(
    ids: Sequence[int], clocks: dict[int, SpeakingClock], calendars: BusinessCalendars
) -> np.ndarray:
    reporting = -1 if calendars.reporting_id is None else calendars.reporting_id
    return np.array(
        [clocks[pk].calendar_id if pk in clocks else reporting for pk in ids], dtype=np.int64
    )


def _counts(model: type, owner: str, ids: Sequence[int]) -> dict[int, int]:
    rows = (
        model.objects.filter(**{f"{owner}_id__in": ids})
        .values(f"{owner}_id")
        .annotate(n=Count("pk"))
        .values_list(f"{owner}_id", "n")
    )
    return dict(rows)


def _decided(approval_requested: Any, approved: Any, rejected: Any) -> pa.Array:
    """When the approval ended (approved, else rejected), for requests that asked for one."""
    ended = pa.array(
        [
            (a if a is not None else r) if q is not None else None
            for q, a, r in zip(
                approval_requested.to_pylist(),
                approved.to_pylist(),
                rejected.to_pylist(),
                strict=True,
            )
        ],
        approved.type,
    )
    return ended


def request_fact_table(rows: Sequence[tuple], context: FactContext) -> pa.Table:
    column = dict(zip(REQUEST_VALUES, zip(*rows, strict=True), strict=True))
    ids = list(column["id"])
    names = context.names
    resolution, response = speaking_clocks(ServiceRequest, Q(ticket_id__in=ids))
    people = names.people(column["requested_for_id"])
    times = {name: utc_column(column[name]) for name in REQUEST_TIMES}
    decided = _decided(times["approval_requested_at"], times["approved_at"], times["rejected_at"])
    micro = {
        name: times[name].cast(pa.int64())
        for name in ("opened_at", "approval_requested_at", "fulfilled_at")
    }
    decided_us = decided.cast(pa.int64())
    calendar_ids = _calendar_ids(ids, resolution, context.calendars)
    spans = timelines(calendar_ids, [*micro.values(), decided_us], context.calendars)
    steps = _counts(RequestApproval, "request", ids)
    tasks = _counts(FulfilmentTask, "request", ids)
    facts = {
        "request_id": ids,
        "number": column["number"],
        "request_type": column["request_type__name"],
        "offering": offering_names(column),
        "service": column["service__name"],
        "team": [names.teams.get(pk) for pk in column["assignment_group_id"]],
        "channel": column["channel"],
        "state": column["state"],
        "is_open": [state in OPEN_STATES for state in column["state"]],
        "requester": [people.get(pk, "") for pk in column["requested_for_id"]],
        "on_behalf": [
            by != for_
            for by, for_ in zip(column["requested_by_id"], column["requested_for_id"], strict=True)
        ],
        "price": [None if price is None else float(price) for price in column["price"]],
        "approval_steps": [steps.get(pk, 0) for pk in ids],
        "tasks": [tasks.get(pk, 0) for pk in ids],
        **{name: local_wall_time(times[name]) for name in REQUEST_TIMES},
        "approval_decided_at": local_wall_time(decided),
        "approval_hours": hours_between(times["approval_requested_at"], decided),
        "approval_business_hours": business_hours(
            spans, calendar_ids, micro["approval_requested_at"], decided_us
        ),
        "fulfilment_hours": hours_between(times["opened_at"], times["fulfilled_at"]),
        "fulfilment_business_hours": business_hours(
            spans, calendar_ids, micro["opened_at"], micro["fulfilled_at"]
        ),
        "sla_met": [clock_verdict(resolution.get(pk)) for pk in ids],
        "response_sla_met": [clock_verdict(response.get(pk)) for pk in ids],
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=REQUEST_FACT_SCHEMA)


def _request_table(where: Q, context: FactContext) -> pa.Table | None:
    rows = fetch_rows(
        _values(ServiceRequest.objects.filter(where).order_by("pk"), REQUEST_VALUES, REQUEST_TIMES)
    )
    return request_fact_table(rows, context) if rows else None


# -- tasks -------------------------------------------------------------------------------------

TASK_FACTS = """
CREATE TABLE IF NOT EXISTS request_task_facts (
    task_id BIGINT PRIMARY KEY,
    number VARCHAR NOT NULL,
    request VARCHAR NOT NULL,        -- the request's number
    request_type VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    position INTEGER NOT NULL,       -- tasks of one position run in parallel
    team VARCHAR NOT NULL,
    assignee VARCHAR,
    state VARCHAR NOT NULL,          -- kaizen.requests.models.TaskState values
    is_open BOOLEAN NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    ready_at TIMESTAMP,              -- its earlier tasks done: the team can start
    started_at TIMESTAMP,
    finished_at TIMESTAMP,           -- done, failed or cancelled
    queued_hours DOUBLE,             -- wall clock, ready -> started
    work_hours DOUBLE,               -- wall clock, ready -> finished
    work_business_hours DOUBLE,      -- the same span in business hours
    ola_met BOOLEAN,                 -- the task's own clock: met, breached; NULL: none or running
    last_event_id BIGINT
)
"""
TASK_TIMES = ("opened_at", "ready_at", "started_at", "finished_at")
TASK_FACT_SCHEMA = pa.schema(
    [
        ("task_id", pa.int64()),
        ("number", pa.string()),
        ("request", pa.string()),
        ("request_type", pa.string()),
        ("service", pa.string()),
        ("title", pa.string()),
        ("position", pa.int32()),
        ("team", pa.string()),
        ("assignee", pa.string()),
        ("state", pa.string()),
        ("is_open", pa.bool_()),
        *((name, LOCAL_MICROSECONDS) for name in TASK_TIMES),
        ("queued_hours", pa.float64()),
        ("work_hours", pa.float64()),
        ("work_business_hours", pa.float64()),
        ("ola_met", pa.bool_()),
        ("last_event_id", pa.int64()),
    ]
)
TASK_VALUES = (
    "id",
    "number",
    "request__number",
    "request__request_type__name",
    "request__service__name",
    "title",
    "position",
    "assignment_group_id",
    "assignee_id",
    "state",
    *TASK_TIMES,
)


def task_fact_table(rows: Sequence[tuple], context: FactContext) -> pa.Table:
    column = dict(zip(TASK_VALUES, zip(*rows, strict=True), strict=True))
    ids = list(column["id"])
    names = context.names
    resolution, _ = speaking_clocks(FulfilmentTask, Q(ticket_id__in=ids))
    people = names.people(column["assignee_id"])
    times = {name: utc_column(column[name]) for name in TASK_TIMES}
    ready_us, finished_us = (times[name].cast(pa.int64()) for name in ("ready_at", "finished_at"))
    calendar_ids = _calendar_ids(ids, resolution, context.calendars)
    spans = timelines(calendar_ids, [ready_us, finished_us], context.calendars)
    facts = {
        "task_id": ids,
        "number": column["number"],
        "request": column["request__number"],
        "request_type": column["request__request_type__name"],
        "service": column["request__service__name"],
        "title": column["title"],
        "position": column["position"],
        "team": [names.teams.get(pk, "") for pk in column["assignment_group_id"]],
        "assignee": [people.get(pk) for pk in column["assignee_id"]],
        "state": column["state"],
        "is_open": [state in TASK_OPEN_STATES for state in column["state"]],
        **{name: local_wall_time(times[name]) for name in TASK_TIMES},
        "queued_hours": hours_between(times["ready_at"], times["started_at"]),
        "work_hours": hours_between(times["ready_at"], times["finished_at"]),
        "work_business_hours": business_hours(spans, calendar_ids, ready_us, finished_us),
        "ola_met": [clock_verdict(resolution.get(pk)) for pk in ids],
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=TASK_FACT_SCHEMA)


def _task_table(where: Q, context: FactContext) -> pa.Table | None:
    rows = fetch_rows(
        _values(FulfilmentTask.objects.filter(where).order_by("pk"), TASK_VALUES, TASK_TIMES)
    )
    return task_fact_table(rows, context) if rows else None


# -- approval steps ----------------------------------------------------------------------------

APPROVAL_FACTS = """
CREATE TABLE IF NOT EXISTS request_approval_facts (
    approval_id BIGINT PRIMARY KEY,
    request VARCHAR NOT NULL,        -- the request's number
    request_type VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    step VARCHAR NOT NULL,           -- the step's name, e.g. Line manager
    approver_source VARCHAR NOT NULL, -- requester_manager, service_owner, team, people
    policy VARCHAR NOT NULL,         -- any, all, k_of_n
    state VARCHAR NOT NULL,          -- waiting, pending, approved, rejected, withdrawn
    approved BOOLEAN,                -- decided: approved (true) or rejected (false); else NULL
    decided_by_default BOOLEAN NOT NULL, -- its due date passed and the default action decided
    started_at TIMESTAMP,
    decided_at TIMESTAMP,
    wait_hours DOUBLE,               -- wall clock, started -> decided: the delay the step adds
    wait_business_hours DOUBLE,      -- the same span on the reporting calendar
    last_event_id BIGINT
)
"""
APPROVAL_TIMES = ("started_at", "decided_at")
APPROVAL_FACT_SCHEMA = pa.schema(
    [
        ("approval_id", pa.int64()),
        ("request", pa.string()),
        ("request_type", pa.string()),
        ("service", pa.string()),
        ("position", pa.int32()),
        ("step", pa.string()),
        ("approver_source", pa.string()),
        ("policy", pa.string()),
        ("state", pa.string()),
        ("approved", pa.bool_()),
        ("decided_by_default", pa.bool_()),
        *((name, LOCAL_MICROSECONDS) for name in APPROVAL_TIMES),
        ("wait_hours", pa.float64()),
        ("wait_business_hours", pa.float64()),
        ("last_event_id", pa.int64()),
    ]
)
APPROVAL_VALUES = (
    "id",
    "request__number",
    "request__request_type__name",
    "request__service__name",
    "position",
    "name",
    "approver_source",
    "policy",
    "state",
    "outcome_note",
    *APPROVAL_TIMES,
)
# outcome_note of a step its due date decided (services/approvals.py writes it).
BY_DEFAULT_MARK = "due date passed"


def approval_fact_table(rows: Sequence[tuple], context: FactContext) -> pa.Table:
    column = dict(zip(APPROVAL_VALUES, zip(*rows, strict=True), strict=True))
    ids = list(column["id"])
    times = {name: utc_column(column[name]) for name in APPROVAL_TIMES}
    started_us, decided_us = (times[name].cast(pa.int64()) for name in APPROVAL_TIMES)
    reporting = -1 if context.calendars.reporting_id is None else context.calendars.reporting_id
    calendar_ids = np.full(len(ids), reporting, dtype=np.int64)
    spans = timelines(calendar_ids, [started_us, decided_us], context.calendars)
    decided = {StepState.APPROVED.value: True, StepState.REJECTED.value: False}
    facts = {
        "approval_id": ids,
        "request": column["request__number"],
        "request_type": column["request__request_type__name"],
        "service": column["request__service__name"],
        "position": column["position"],
        "step": column["name"],
        "approver_source": column["approver_source"],
        "policy": column["policy"],
        "state": column["state"],
        "approved": [decided.get(state) for state in column["state"]],
        "decided_by_default": [
            BY_DEFAULT_MARK in (note or "").lower() for note in column["outcome_note"]
        ],
        **{name: local_wall_time(times[name]) for name in APPROVAL_TIMES},
        "wait_hours": hours_between(times["started_at"], times["decided_at"]),
        "wait_business_hours": business_hours(spans, calendar_ids, started_us, decided_us),
        "last_event_id": pa.nulls(len(ids), pa.int64()),
    }
    return pa.table(facts, schema=APPROVAL_FACT_SCHEMA)


def _approval_table(where: Q, context: FactContext) -> pa.Table | None:
    rows = fetch_rows(
        _values(
            RequestApproval.objects.filter(where).order_by("pk"), APPROVAL_VALUES, APPROVAL_TIMES
        )
    )
    return approval_fact_table(rows, context) if rows else None


# -- registration ------------------------------------------------------------------------------


def _between(build: Any, schema: pa.Schema) -> Any:
    def rows_between(after: int, up_to: int, context: FactContext) -> pa.Table:
        table = build(Q(pk__gt=after, pk__lte=up_to), context)
        return schema.empty_table() if table is None else table

    return rows_between


def _of(build: Any) -> Any:
    def rows_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
        ordered = sorted(ids)
        for start in range(0, len(ordered), chunk_size):
            table = build(Q(pk__in=ordered[start : start + chunk_size]), context)
            if table is not None:
                yield table

    return rows_of


def _request_ids(events: Sequence[Any]) -> set[int]:
    request_type = ContentType.objects.get_for_model(ServiceRequest).pk
    return {int(event.subject_id) for event in events if event.subject_type_id == request_type}


def approvals_of_requests(events: Sequence[Any]) -> set[int]:
    """The approval steps of the requests these events are about: a step is journaled on its
    request (requested, voted, concluded)."""
    requests = _request_ids(events)
    if not requests:
        return set()
    return set(RequestApproval.objects.filter(request_id__in=requests).values_list("pk", flat=True))


def requests_of_tasks(events: Sequence[Any]) -> set[int]:
    """The requests whose task count a task's creation changed."""
    task_type = ContentType.objects.get_for_model(FulfilmentTask).pk
    created = {
        int(event.subject_id)
        for event in events
        if event.subject_type_id == task_type and event.event_type == EventType.REQUEST_TASK_CREATED
    }
    if not created:
        return set()
    return set(FulfilmentTask.objects.filter(pk__in=created).values_list("request_id", flat=True))


REFRESH_ALL_EVENTS = frozenset(
    {EventType.SLA_RECOMPUTED, EventType.CALENDAR_CREATED, EventType.CALENDAR_UPDATED}
)
REQUEST_RENAMES: dict[str, tuple[str, ...]] = {
    EventType.REQUEST_TYPE_UPDATED: ("request_type",),
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("requested_for",),
    EventType.SERVICE_UPDATED: ("service",),
    EventType.OFFERING_UPDATED: ("offering",),
}
TASK_RENAMES: dict[str, tuple[str, ...]] = {
    EventType.REQUEST_TYPE_UPDATED: ("request__request_type",),
    EventType.TEAM_UPDATED: ("assignment_group",),
    EventType.USER_UPDATED: ("assignee",),
    EventType.SERVICE_UPDATED: ("request__service",),
}
APPROVAL_RENAMES: dict[str, tuple[str, ...]] = {
    EventType.REQUEST_TYPE_UPDATED: ("request__request_type",),
    EventType.SERVICE_UPDATED: ("request__service",),
}

REQUESTS = register(
    RecordFamily(
        name="request_facts",
        label="Service requests (one row per request)",
        noun="requests",
        column_labels={
            "request_id": "request",
            "is_open": "open",
            "team": "fulfilment group",
            "requester": "requested for",
            "on_behalf": "requested on someone's behalf",
            "approval_steps": "approval steps",
            "approval_decided_at": "approval decided at",
            "approval_hours": "hours awaiting approval (wall clock)",
            "approval_business_hours": "business hours awaiting approval",
            "fulfilment_hours": "hours to fulfil (wall clock)",
            "fulfilment_business_hours": "business hours to fulfil",
            "sla_met": "delivery SLA verdict",
            "response_sla_met": "response SLA verdict",
            "last_event_id": "last journal event",
        },
        ddl=REQUEST_FACTS,
        version="1",
        model=ServiceRequest,
        key="request_id",
        breakdowns={
            "request_type": "request_type",
            "service": "service",
            "offering": "offering",
            "team": "team",
            "channel": "channel",
        },
        rows_between=_between(_request_table, REQUEST_FACT_SCHEMA),
        rows_of=_of(_request_table),
        refresh_all_events=REFRESH_ALL_EVENTS,
        renames=REQUEST_RENAMES,
        touched_with=requests_of_tasks,
    )
)
REQUEST_TASKS = register(
    RecordFamily(
        name="request_task_facts",
        label="Fulfilment tasks (one row per task)",
        noun="tasks",
        column_labels={
            "task_id": "task",
            "is_open": "open",
            "request": "request",
            "team": "team",
            "queued_hours": "hours queued before work started (wall clock)",
            "work_hours": "hours from ready to finished (wall clock)",
            "work_business_hours": "business hours from ready to finished",
            "ola_met": "OLA verdict",
            "last_event_id": "last journal event",
        },
        ddl=TASK_FACTS,
        version="1",
        model=FulfilmentTask,
        key="task_id",
        breakdowns={
            "request_type": "request_type",
            "service": "service",
            "team": "team",
            "assignee": "assignee",
        },
        rows_between=_between(_task_table, TASK_FACT_SCHEMA),
        rows_of=_of(_task_table),
        refresh_all_events=REFRESH_ALL_EVENTS,
        renames=TASK_RENAMES,
    )
)
REQUEST_APPROVALS = register(
    RecordFamily(
        name="request_approval_facts",
        label="Request approval steps (one row per step of a request)",
        noun="approval steps",
        column_labels={
            "approval_id": "approval step",
            "step": "approval step",
            "approved": "approved",
            "decided_by_default": "decided by its due date's default",
            "wait_hours": "hours awaiting the step's decision (wall clock)",
            "wait_business_hours": "business hours awaiting the step's decision",
            "last_event_id": "last journal event",
        },
        ddl=APPROVAL_FACTS,
        version="1",
        model=RequestApproval,
        key="approval_id",
        breakdowns={
            "request_type": "request_type",
            "service": "service",
            "step": "step",
            "approver_source": "approver_source",
        },
        rows_between=_between(_approval_table, APPROVAL_FACT_SCHEMA),
        rows_of=_of(_approval_table),
        refresh_all_events=frozenset({EventType.CALENDAR_CREATED, EventType.CALENDAR_UPDATED}),
        renames=APPROVAL_RENAMES,
        touched_with=approvals_of_requests,
    )
)
