"""What every request write shares: the tracked fields of request types, requests and
fulfilment tasks, with the row lock, version check and journaled ending of
kaizen/journal/tracking.py."""

import datetime as dt

from django.utils import timezone

from kaizen.core.numbering import NumberFormat
from kaizen.core.numbering import next_number as next_number_of
from kaizen.journal.events import EventType
from kaizen.journal.tracking import TrackedRecord
from kaizen.requests.models import (
    AWAITING_APPROVAL_REASON,
    ClockPhase,
    FulfilmentTask,
    RequestType,
    ServiceRequest,
    State,
)
from kaizen.sla import refresh as sla_refresh

REQUEST_TYPE_FIELDS = (
    "offering",
    "name",
    "summary",
    "description",
    "is_active",
    "audience",
    "allowed_teams",
    "allowed_people",
    "fulfilment_group",
    "delivery_target",
    "price",
    "cost",
    "currency",
    "current_form",
)
REQUEST_TYPES = TrackedRecord(
    model=RequestType,
    tracked_fields=REQUEST_TYPE_FIELDS,
    related_fields=("offering", "fulfilment_group", "delivery_target", "current_form"),
    many_fields=("allowed_teams", "allowed_people"),
    label_field="name",
    noun="request type",
)

# Every field a request event reports: the submitted event carries all of them, every later
# event each one that changed, so the journal alone rebuilds the request and its clocks.
REQUEST_FIELDS = (
    "number",
    "request_type",
    "form_version",
    "answers",
    "title",
    "offering",
    "service",
    "requested_for",
    "requested_by",
    "channel",
    "state",
    "hold_reason",
    "clock_phase",
    "clock_hold_reason",
    "assignment_group",
    "assignee",
    "price",
    "failure_reason",
    "rejection_reason",
    "cancellation_reason",
    "opened_at",
    "responded_at",
    "approval_requested_at",
    "approved_at",
    "rejected_at",
    "fulfilment_started_at",
    "fulfilled_at",
    "failed_at",
    "closed_at",
    "cancelled_at",
)
REQUEST_RELATED = (
    "request_type",
    "form_version",
    "offering",
    "service",
    "requested_for",
    "requested_by",
    "assignment_group",
    "assignee",
)
REQUEST_UNVERSIONED_EVENTS = (
    EventType.REQUEST_COMMENTED,
    EventType.REQUEST_WORK_NOTE_ADDED,
    EventType.REQUEST_ATTACHMENT_ADDED,
    EventType.REQUEST_APPROVAL_REQUESTED,
    EventType.REQUEST_APPROVAL_VOTED,
    EventType.REQUEST_APPROVAL_CONCLUDED,
)

TASK_FIELDS = (
    "number",
    "request",
    "position",
    "title",
    "instructions",
    "assignment_group",
    "assignee",
    "state",
    "hold_reason",
    "opened_at",
    "ready_at",
    "started_at",
    "finished_at",
    "outcome_note",
)

REQUEST_NUMBERS = NumberFormat(sequence="service_request", prefix="REQ")
TASK_NUMBERS = NumberFormat(sequence="fulfilment_task", prefix="TASK")


def refresh_clocks(ticket: ServiceRequest | FulfilmentTask) -> None:
    """Requests and their tasks are SLA ticket kinds: their clocks follow each write."""
    sla_refresh.refresh_ticket_clocks(ticket)


REQUESTS = TrackedRecord(
    model=ServiceRequest,
    tracked_fields=REQUEST_FIELDS,
    related_fields=REQUEST_RELATED,
    unversioned_events=REQUEST_UNVERSIONED_EVENTS,
    noun="request",
    after_write=refresh_clocks,
)
TASKS = TrackedRecord(
    model=FulfilmentTask,
    tracked_fields=TASK_FIELDS,
    related_fields=("request", "assignment_group", "assignee"),
    unversioned_events=(EventType.REQUEST_TASK_COMMENTED,),
    noun="task",
    after_write=refresh_clocks,
)


def next_request_number() -> str:
    return next_number_of(
        REQUEST_NUMBERS,
        taken=lambda number: ServiceRequest.objects.filter(number=number).exists(),
    )


def next_task_number() -> str:
    return next_number_of(
        TASK_NUMBERS, taken=lambda number: FulfilmentTask.objects.filter(number=number).exists()
    )


def moment(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


RUNNING_STATES = frozenset({State.SUBMITTED, State.APPROVED, State.IN_FULFILMENT})
DONE_STATES = frozenset({State.FULFILLED, State.FAILED, State.CLOSED})
CANCELLED_STATES = frozenset({State.REJECTED, State.CANCELLED})


def derive_clock_fields(request: ServiceRequest) -> None:
    """What the SLA clocks read (sla_kind.py), from the state: awaiting approval and on hold are
    holds (a definition chooses which reasons pause it: "awaiting_approval" for the approval,
    the hold reasons for the rest); a fulfilled, failed or closed request stops the clocks, a
    rejected or cancelled one cancels them."""
    state = request.state
    if state == State.AWAITING_APPROVAL:
        request.clock_phase, request.clock_hold_reason = ClockPhase.HELD, AWAITING_APPROVAL_REASON
    elif state == State.ON_HOLD:
        request.clock_phase, request.clock_hold_reason = ClockPhase.HELD, request.hold_reason
    elif state in DONE_STATES:
        request.clock_phase, request.clock_hold_reason = ClockPhase.DONE, ""
    elif state in CANCELLED_STATES:
        request.clock_phase, request.clock_hold_reason = ClockPhase.CANCELLED, ""
    else:
        request.clock_phase, request.clock_hold_reason = ClockPhase.RUNNING, ""
