"""Service requests from another tool's export, through the tickets-csv importer: a mapping
file with `record = "request"` reads one row per request, so a desk's history of requests can
be measured (request facts and KPIs) before or beside Kaizen's own.

    record = "request"
    source = "snow-ritm"                 # re-runs skip what this source imported
    [columns]
    number = "Number"                    # kept: RITM0010001
    request_type = "Item"                # a request type's name in Kaizen
    requester = "Requested for"          # found by user name, else created as a requester
    opened_at = "Opened"
    approved_at = "Approved"
    rejected_at = "Rejected"
    fulfilled_at = "Delivered"
    closed_at = "Closed"
    cancelled_at = "Cancelled"
    state = "State"
    title = "Short description"
    [values.state]
    "Closed Complete" = "closed"
    "Work in Progress" = "in_fulfilment"
    [dates]
    format = "%d/%m/%Y %H:%M"            # or "iso" (the default)
    time_zone = "Europe/London"

Each request gets the history its times imply, journaled as the request services would have
(submitted at `opened_at`, awaiting approval then approved or rejected, fulfilled, closed or
cancelled at their times; a final open state the times do not reach at the last known time),
so the journal rebuilds it (`kaizen journal verify`) and the SLA clocks can be measured from
it (`kaizen sla recompute`). An imported request keeps its number and has channel "import":
a re-run finds it and skips it; a number Kaizen gave already is refused.

Problems name the row, the export's column and the value: an unreadable date or state, an
unknown request type (`request type 'Tablet' (column Item) is not a request type in Kaizen`).
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from kaizen.core.bulk import insert_rows
from kaizen.imports.problems import ParsedRecord, RowProblem, clean
from kaizen.imports.reading import Row
from kaizen.imports.tickets import MappingError
from kaizen.incidents.services.imported import ImportedBatch
from kaizen.journal.events import EventType
from kaizen.journal.services import PendingEvent, record_events, to_journal_value
from kaizen.people import services as people_services
from kaizen.people.models import User, UserKind
from kaizen.requests.models import RequestType, ServiceRequest, State
from kaizen.requests.services.base import (
    REQUEST_FIELDS,
    REQUEST_NUMBERS,
    REQUEST_RELATED,
    derive_clock_fields,
)

CHANNEL = "import"
TIME_FIELDS = (
    "opened_at",
    "approved_at",
    "rejected_at",
    "fulfilled_at",
    "closed_at",
    "cancelled_at",
)
MAPPABLE_FIELDS = ("number", "request_type", "requester", "state", "title", *TIME_FIELDS)
REQUIRED_FIELDS = ("number", "request_type", "requester", "opened_at")
# Where each time takes the request (in time order).
MOVES = {
    "approved_at": State.APPROVED,
    "rejected_at": State.REJECTED,
    "fulfilled_at": State.FULFILLED,
    "closed_at": State.CLOSED,
    "cancelled_at": State.CANCELLED,
}
ENTERED_AT = {
    State.AWAITING_APPROVAL: "approval_requested_at",
    State.APPROVED: "approved_at",
    State.REJECTED: "rejected_at",
    State.IN_FULFILMENT: "fulfilment_started_at",
    State.FULFILLED: "fulfilled_at",
    State.FAILED: "failed_at",
    State.CLOSED: "closed_at",
    State.CANCELLED: "cancelled_at",
}


def is_request_mapping(mapping: dict[str, Any]) -> bool:
    return str(mapping.get("record", "incident")).strip() == "request"


def check_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    """A request mapping, checked; MappingError names the bad key."""
    columns = mapping.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError("columns: name the export's column for each Kaizen field")
    unknown = sorted(set(columns) - set(MAPPABLE_FIELDS))
    if unknown:
        raise MappingError(
            f"columns.{unknown[0]}: not a field of a request (use one of "
            f"{', '.join(MAPPABLE_FIELDS)})"
        )
    for required in REQUIRED_FIELDS:
        if not columns.get(required):
            raise MappingError(f"columns.{required}: required")
    values = mapping.get("values", {})
    if not isinstance(values, dict) or any(not isinstance(m, dict) for m in values.values()):
        raise MappingError("values: must be a table of value maps per field")
    for source_value, state in values.get("state", {}).items():
        if state not in State.values:
            raise MappingError(
                f"values.state.{source_value}: {state!r} is not one of {', '.join(State.values)}"
            )
    time_zone = mapping.get("dates", {}).get("time_zone")
    if time_zone:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"dates.time_zone: unknown time zone {time_zone!r}") from exc
    return mapping


@dataclass
class ImportedRequest:
    number: str
    request_type: str  # the type's name
    requester: str
    title: str
    state: str | None  # the final state the export states, if any
    times: dict[str, dt.datetime]
    row: int
    columns: dict[str, str] = field(default_factory=dict)


def parse(
    rows: Iterable[Row], *, mapping: dict[str, Any], default_time_zone: str
) -> Iterator[ParsedRecord]:
    columns: dict[str, str] = mapping["columns"]
    states = {str(k): v for k, v in mapping.get("values", {}).get("state", {}).items()}
    dates = mapping.get("dates", {})
    date_format = dates.get("format", "iso")
    zone = ZoneInfo(dates.get("time_zone") or default_time_zone)
    for row in rows:
        if "__width__" in row.values:
            reason = f"wrong number of cells: {row.values['__width__']}"
            yield ParsedRecord(None, 1, [RowProblem(row.number, reason)])
            continue
        yield _request_row(row, columns, states, date_format, zone)


def _request_row(
    row: Row, columns: dict[str, str], states: dict[str, str], date_format: str, zone: ZoneInfo
) -> ParsedRecord:
    """One row's request, or the problem naming the row, the column and the value."""
    problems: list[RowProblem] = []
    text = {name: clean(row.values.get(column)) for name, column in columns.items()}
    number = str(text.get("number") or "").strip().upper()

    def refuse(name: str, reason: str) -> ParsedRecord:
        column = columns.get(name, "")
        raw = str(row.values.get(column, "") or "")[:200]
        problems.append(RowProblem(row.number, reason, number, column, raw))
        return ParsedRecord(None, 1, problems)

    if not number:
        return refuse("number", "the request has no number")
    if len(number) > ServiceRequest._meta.get_field("number").max_length:
        return refuse("number", "the number is longer than 20 characters")
    times: dict[str, dt.datetime] = {}
    for name in TIME_FIELDS:
        value = text.get(name)
        if value is None:
            continue
        try:
            moment = (
                dt.datetime.fromisoformat(value)
                if date_format == "iso"
                else dt.datetime.strptime(value, date_format)
            )
        except ValueError:
            shown = "ISO 8601" if date_format == "iso" else repr(date_format)
            return refuse(name, f"{name}: not a date in the format {shown}")
        times[name] = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    if "opened_at" not in times:
        return refuse("opened_at", "opened_at is missing")
    state = text.get("state")
    if state is not None:
        state = states.get(state, state)
        if state not in State.values:
            return refuse(
                "state",
                f"unknown state {state!r}: not one of {', '.join(State.values)} "
                "(map it under [values.state])",
            )
    for name in ("request_type", "requester"):
        if not text.get(name):
            return refuse(name, f"the request has no {name.replace('_', ' ')}")
    record = ImportedRequest(
        number=number,
        request_type=text["request_type"],
        requester=text["requester"],
        title=(text.get("title") or text["request_type"])[:200],
        state=state,
        times=times,
        row=row.number,
        columns=columns,
    )
    return ParsedRecord(record, 1, problems, first_row=row.number)


def _history(request: ImportedRequest) -> list[tuple[dt.datetime, State]]:
    """The moves its times imply, in time order, then its final state if they miss it."""
    opened = request.times["opened_at"]
    moves: list[tuple[dt.datetime, State]] = []
    decided = request.times.get("approved_at") or request.times.get("rejected_at")
    if decided is not None:
        moves.append((opened, State.AWAITING_APPROVAL))
    elif any(name in request.times for name in ("fulfilled_at", "closed_at")):
        moves.append((opened, State.APPROVED))
    for name, state in MOVES.items():
        if name in request.times:
            moves.append((max(request.times[name], opened), state))
    moves.sort(key=lambda move: move[0])
    reached = moves[-1][1] if moves else State.SUBMITTED
    final = request.state
    if final and final != reached and final != State.SUBMITTED:
        moves.append((moves[-1][0] if moves else opened, State(final)))
    return moves


class _Builder:
    """A request's row and its journal events, without model instances."""

    def __init__(self, names: dict[str, dict[int, str]]):
        self.names = names
        self.subject_type = ContentType.objects.get_for_model(ServiceRequest).pk

    def value(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if name in self.names:
            return {"id": value, "repr": self.names[name].get(value, str(value))}
        return to_journal_value(value)

    def build(
        self, request: ImportedRequest, request_type: RequestType, requester: int, source: str
    ) -> tuple[dict[str, Any], list[PendingEvent]]:
        opened = request.times["opened_at"]
        state: dict[str, Any] = {
            "number": request.number,
            "request_type": request_type.pk,
            "form_version": request_type.current_form_id,
            "answers": {},
            "title": request.title,
            "offering": request_type.offering_id,
            "service": request_type.offering.service_id,
            "requested_for": requester,
            "requested_by": requester,
            "channel": CHANNEL,
            "state": str(State.SUBMITTED),
            "hold_reason": "",
            "assignment_group": request_type.fulfilment_group_id,
            "assignee": None,
            "price": request_type.price,
            "failure_reason": "",
            "rejection_reason": "",
            "cancellation_reason": "",
            "opened_at": opened,
            **{
                name: None
                for name in REQUEST_FIELDS
                if name.endswith("_at") and name != "opened_at"
            },
        }
        self._clock(state)
        events = [self._event(EventType.REQUEST_SUBMITTED, opened, state, None, source)]
        for at, target in _history(request):
            before = dict(state)
            state["state"] = str(target)
            if target != State.ON_HOLD:
                state["hold_reason"] = ""
            stamp = ENTERED_AT.get(target)
            if stamp:
                state[stamp] = at
            self._clock(state)
            changes = {
                name: {"old": self.value(name, before[name]), "new": self.value(name, state[name])}
                for name in REQUEST_FIELDS
                if before[name] != state[name]
            }
            events.append(
                self._event(
                    EventType.REQUEST_STATE_CHANGED,
                    at,
                    None,
                    changes,
                    source,
                    data={"from": before["state"], "to": str(target)},
                )
            )
        related = set(REQUEST_RELATED)
        row = {(f"{name}_id" if name in related else name): state[name] for name in REQUEST_FIELDS}
        row.update(
            version=len(events),
            updated_at=events[-1].occurred_at,
            sla_due_at=None,
            sla_state="",
        )
        return row, events

    @staticmethod
    def _clock(state: dict[str, Any]) -> None:
        shown = SimpleNamespace(state=state["state"], hold_reason=state["hold_reason"])
        derive_clock_fields(shown)
        state["clock_phase"] = str(shown.clock_phase)
        state["clock_hold_reason"] = shown.clock_hold_reason

    def _event(
        self,
        event_type: str,
        at: dt.datetime,
        state: dict[str, Any] | None,
        changes: dict[str, Any] | None,
        source: str,
        data: dict[str, Any] | None = None,
    ) -> PendingEvent:
        if state is not None:  # the created event: every field
            changes = {
                name: {"old": None, "new": self.value(name, state[name])} for name in REQUEST_FIELDS
            }
        return PendingEvent(
            occurred_at=at,
            event_type=event_type,
            actor_id=None,
            actor_repr=source[:200],
            subject_type_id=self.subject_type,
            subject_id="",
            subject_repr="",
            changes=changes or {},
            data=dict(data or {}),
        )


@transaction.atomic
def do_import_requests(
    requests: Sequence[ImportedRequest], *, source: str, references: Any = None
) -> ImportedBatch:
    """Create the requests with their histories in one transaction (all or none). A number
    imported by this importer before is already present; one Kaizen gave is refused, as is
    a request whose type Kaizen does not have."""
    outcome = ImportedBatch()
    existing = dict(
        ServiceRequest.objects.filter(number__in=[r.number for r in requests]).values_list(
            "number", "channel"
        )
    )
    types = {
        request_type.name: request_type
        for request_type in RequestType.objects.filter(
            name__in={r.request_type for r in requests}
        ).select_related("offering__service")
    }
    fresh = []
    for request in requests:
        if request.number in existing:
            if existing[request.number] == CHANNEL:
                outcome.already_present.append(request.number)
            else:
                outcome.refused[request.number] = (
                    f"number {request.number} already exists, created in Kaizen"
                )
        elif request.request_type not in types:
            column = request.columns.get("request_type", "request_type")
            outcome.refused[request.number] = (
                f"request type {request.request_type!r} (column {column}) is not a request "
                "type in Kaizen"
            )
        else:
            fresh.append(request)
    if not fresh:
        return outcome
    people = _people({request.requester for request in fresh}, source)
    names = {
        "request_type": {t.pk: t.name for t in types.values()},
        "offering": {t.offering_id: str(t.offering) for t in types.values()},
        "service": {t.offering.service_id: t.offering.service.name for t in types.values()},
        "requested_for": {user.pk: str(user) for user in people.values()},
        "requested_by": {user.pk: str(user) for user in people.values()},
    }
    builder = _Builder(names)
    built = [builder.build(r, types[r.request_type], people[r.requester].pk, source) for r in fresh]
    insert_rows(ServiceRequest, [row for row, _ in built])
    ids = dict(
        ServiceRequest.objects.filter(number__in=[row["number"] for row, _ in built]).values_list(
            "number", "id"
        )
    )
    events: list[PendingEvent] = []
    for row, request_events in built:
        for event in request_events:
            event.subject_id = str(ids[row["number"]])
            event.subject_repr = f"{row['number']} {row['title']}"[:300]
        events.extend(request_events)
    record_events(events)
    # Kaizen's own numbers (REQ...) continue after any imported one of the same pattern.
    from kaizen.core.numbering import advance_past

    advance_past(REQUEST_NUMBERS, ids)
    outcome.created = list(ids)
    outcome.events = len(events)
    return outcome


def _people(names: set[str], source: str) -> dict[str, User]:
    """The requesters: found by user name or e-mail address, else created as requesters."""
    found: dict[str, User] = {}
    for user in User.objects.filter(username__in=names):
        found[user.username] = user
    for user in User.objects.filter(email__in=names - set(found)):
        found.setdefault(user.email, user)
    missing = names - set(found)
    if missing:
        found.update(
            people_services.do_ensure_people(
                dict.fromkeys(missing, UserKind.REQUESTER), source=source
            )
        )
    return found
