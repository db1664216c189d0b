"""Where a request's time went: the lead-time breakdown, replayed from the journal.

A request's lead time runs from its submission to its fulfilment (or to when it otherwise
ended: failed, rejected, cancelled; or to now while it is open). Every instant of it is in
exactly one phase, decided by the request's state and its tasks' states at that instant:

- awaiting approval: the request is awaiting approval;
- awaiting the requester: the request is on hold awaiting the requester, or (while it is in
  fulfilment) no task is in progress and one is on hold awaiting the requester;
- on hold for other reasons: the request is on hold for a supplier or stock, or (in
  fulfilment) no task is in progress and one is on hold for such a reason;
- worked: approved or in fulfilment, and some task is in progress;
- queued: the rest: submitted, approved or in fulfilment with no task in progress or on hold
  (tasks open and waiting for someone to start them, or a request without tasks waiting to be
  delivered by hand).

A request held as a whole counts as held even while a task is in progress: putting the
request on hold is the agent's explicit word that it waits.

The states are read from the journal (the request's events and its tasks', kaizen.journal),
never from the current rows, so a breakdown can be replayed for any moment of the past and
agrees with `kaizen journal verify`. Each phase is business time on one calendar: the
calendar of the request type's delivery target (the SLA definition its requesters are told
about), else 24x7 (every hour counts). The phases are differences of one cumulative business
time, so they add up exactly (to the microsecond) to the total from submission to the end.

`estimate(request_type, now)`: what a requester is told before submitting. Over the requests
of the type fulfilled in the last 90 days (at least 5 of them, else no estimate), the median
business time from submission to fulfilment, and the 85th percentile by the nearest-rank
method: the shortest time within which at least 85% of them were delivered ("85 in 100 were
delivered within 3 days"). The median of an even number of requests is the mean of the two
middle ones.
"""

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from kaizen.journal.models import JournalEvent
from kaizen.requests.models import (
    FulfilmentTask,
    HoldReason,
    RequestType,
    ServiceRequest,
    State,
    TaskState,
)
from kaizen.sla.calendar import CalendarIndex, WorkingPeriod
from kaizen.sla.models import BusinessCalendar
from kaizen.sla.targets import calendar_index

APPROVAL = "approval"
QUEUED = "queued"
WORKED = "worked"
REQUESTER = "requester"
HELD = "held"
PHASES = (APPROVAL, QUEUED, WORKED, REQUESTER, HELD)
PHASE_LABELS = {
    APPROVAL: "Awaiting approval",
    QUEUED: "Queued",
    WORKED: "Worked",
    REQUESTER: "Awaiting the requester",
    HELD: "On hold (supplier, stock)",
}
# The lead time ends when the request enters one of these (a closed request ended when it
# was fulfilled or failed, before it was closed).
END_STATES = frozenset(
    {State.FULFILLED, State.FAILED, State.REJECTED, State.CANCELLED, State.CLOSED}
)
ESTIMATE_WINDOW = dt.timedelta(days=90)
ESTIMATE_MINIMUM = 5
ESTIMATE_PERCENTILE = 85
CHUNK = 500

# Every hour counts: for a type without a delivery target.
ALWAYS = CalendarIndex("UTC", [WorkingPeriod(day, 0, 24 * 60) for day in range(7)])
ALWAYS_NAME = "24x7"


def phase_of(request_state: str, hold_reason: str, task_states: Iterable[tuple[str, str]]) -> str:
    """The phase of one instant, from the request's state and hold reason and its tasks'
    (state, hold reason) pairs."""
    if request_state == State.AWAITING_APPROVAL:
        return APPROVAL
    if request_state == State.ON_HOLD:
        return REQUESTER if hold_reason == HoldReason.AWAITING_REQUESTER else HELD
    held: set[str] = set()
    for state, reason in task_states:
        if state == TaskState.IN_PROGRESS:
            return WORKED
        if state == TaskState.ON_HOLD:
            held.add(REQUESTER if reason == HoldReason.AWAITING_REQUESTER else HELD)
    if request_state in (State.APPROVED, State.IN_FULFILMENT) and held:
        return REQUESTER if REQUESTER in held else HELD
    return QUEUED


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    business_us: int
    share: int  # percent of the total, rounded (for the bar)


@dataclass(frozen=True)
class LeadTime:
    """One request's breakdown: business µs per phase (every phase present) and the total."""

    started_at: dt.datetime
    ended_at: dt.datetime
    ended: bool  # fulfilled or otherwise ended (False: measured up to now)
    end_state: str
    phases: dict[str, int]
    total_us: int
    calendar_name: str

    def rows(self) -> list[Phase]:
        return [
            Phase(
                key,
                PHASE_LABELS[key],
                self.phases[key],
                round(100 * self.phases[key] / self.total_us) if self.total_us else 0,
            )
            for key in PHASES
        ]


# -- the calendar -----------------------------------------------------------------------------


def _calendars(ids: set[int]) -> dict[int, BusinessCalendar]:
    return {
        calendar.pk: calendar
        for calendar in BusinessCalendar.objects.filter(pk__in=ids).prefetch_related(
            "periods", "closures"
        )
    }


def calendar_of(request_type: RequestType) -> tuple[CalendarIndex, str]:
    """The type's delivery target's calendar, else 24x7 (see the module doc)."""
    target = request_type.delivery_target
    if target is None:
        return ALWAYS, ALWAYS_NAME
    calendar = _calendars({target.calendar_id})[target.calendar_id]
    return calendar_index(calendar), calendar.name


# -- replaying the journal --------------------------------------------------------------------


def _journal_rows(
    request_ids: Sequence[int], task_owner: dict[int, int]
) -> dict[int, list[tuple[dt.datetime, int, bool, str, dict[str, Any]]]]:
    """Per request: (occurred_at, id, is_task, subject id, changes) of its events and its
    tasks' events, in journal order; one query per chunk of requests."""
    request_type_id = ContentType.objects.get_for_model(ServiceRequest).pk
    task_type_id = ContentType.objects.get_for_model(FulfilmentTask).pk
    by_request: dict[int, list] = defaultdict(list)
    tasks_of: dict[int, list[int]] = defaultdict(list)
    for task_id, request_id in task_owner.items():
        tasks_of[request_id].append(task_id)
    for start in range(0, len(request_ids), CHUNK):
        chunk = request_ids[start : start + CHUNK]
        task_ids = [task_id for request_id in chunk for task_id in tasks_of[request_id]]
        condition = Q(subject_type_id=request_type_id, subject_id__in=[str(i) for i in chunk])
        if task_ids:
            condition |= Q(subject_type_id=task_type_id, subject_id__in=[str(i) for i in task_ids])
        rows = (
            JournalEvent.objects.filter(condition)
            .order_by("id")
            .values_list("id", "occurred_at", "subject_type_id", "subject_id", "changes")
        )
        for event_id, occurred_at, type_id, subject_id, changes in rows:
            is_task = type_id == task_type_id
            owner = task_owner[int(subject_id)] if is_task else int(subject_id)
            by_request[owner].append((occurred_at, event_id, is_task, subject_id, changes))
    return by_request


def _measure(
    events: list[tuple[dt.datetime, int, bool, str, dict[str, Any]]],
    calendar: CalendarIndex,
    calendar_name: str,
    now: dt.datetime,
) -> LeadTime | None:
    """Fold the events in time order (events of one instant all applied before the time
    after it is classified) and add up each segment's business time to its phase."""
    if not events:
        return None
    events = sorted(events, key=lambda event: (event[0], event[1]))
    request_state, hold_reason = "", ""
    tasks: dict[str, list[str]] = {}
    phases = dict.fromkeys(PHASES, 0)
    started_at = events[0][0]
    current: str | None = None
    since = started_at
    ended_at: dt.datetime | None = None
    index = 0
    while index < len(events):
        instant = events[index][0]
        if current is not None and instant > since:
            phases[current] += calendar.business_us(since, instant)
            since = instant
        while index < len(events) and events[index][0] == instant:
            _, _, is_task, subject_id, changes = events[index]
            if is_task:
                task = tasks.setdefault(subject_id, ["", ""])
                if "state" in changes:
                    task[0] = changes["state"]["new"] or ""
                if "hold_reason" in changes:
                    task[1] = changes["hold_reason"]["new"] or ""
            else:
                if "state" in changes:
                    request_state = changes["state"]["new"] or ""
                if "hold_reason" in changes:
                    hold_reason = changes["hold_reason"]["new"] or ""
            index += 1
        if request_state in END_STATES:
            ended_at = instant
            break
        current = phase_of(request_state, hold_reason, [tuple(t) for t in tasks.values()])
    end = ended_at if ended_at is not None else max(now, since)
    if ended_at is None and current is not None and end > since:
        phases[current] += calendar.business_us(since, end)
    total = calendar.business_us(started_at, end)
    return LeadTime(
        started_at=started_at,
        ended_at=end,
        ended=ended_at is not None,
        end_state=request_state,
        phases=phases,
        total_us=total,
        calendar_name=calendar_name,
    )


def breakdown(request: ServiceRequest, *, now: dt.datetime | None = None) -> LeadTime | None:
    """The request's lead time by phase (None for a request with no journal: never)."""
    calendar, name = calendar_of(request.request_type)
    owners = dict(FulfilmentTask.objects.filter(request=request).values_list("id", "request_id"))
    events = _journal_rows([request.pk], owners).get(request.pk, [])
    return _measure(events, calendar, name, now or timezone.now())


# -- per request type -------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseStats:
    key: str
    label: str
    median_us: int
    mean_us: int


@dataclass(frozen=True)
class TypeLeadTime:
    """The fulfilled requests of a type in a period: median and mean per phase and total."""

    count: int
    since: dt.datetime
    until: dt.datetime
    calendar_name: str
    phases: list[PhaseStats]
    total: PhaseStats | None


def _stats(key: str, label: str, values: list[int]) -> PhaseStats:
    return PhaseStats(key, label, round(statistics.median(values)), round(statistics.mean(values)))


def breakdown_per_type(
    request_type: RequestType, since: dt.datetime, until: dt.datetime
) -> TypeLeadTime:
    """The breakdowns of the type's requests fulfilled from `since` to before `until`,
    aggregated: a fixed number of queries however many requests (one per chunk of 500)."""
    calendar, name = calendar_of(request_type)
    request_ids = list(
        ServiceRequest.objects.filter(
            request_type=request_type, fulfilled_at__gte=since, fulfilled_at__lt=until
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    owners = dict(
        FulfilmentTask.objects.filter(request_id__in=request_ids).values_list("id", "request_id")
    )
    events = _journal_rows(request_ids, owners)
    measured = [
        lead
        for request_id in request_ids
        if (lead := _measure(events.get(request_id, []), calendar, name, until)) is not None
    ]
    if not measured:
        return TypeLeadTime(0, since, until, name, [], None)
    return TypeLeadTime(
        count=len(measured),
        since=since,
        until=until,
        calendar_name=name,
        phases=[
            _stats(key, PHASE_LABELS[key], [lead.phases[key] for lead in measured])
            for key in PHASES
        ],
        total=_stats("total", "Submission to fulfilment", [lead.total_us for lead in measured]),
    )


# -- the estimate shown before submitting -----------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    median_us: int
    percentile_us: int  # ESTIMATE_PERCENTILE, nearest rank
    percentile: int
    count: int
    since: dt.datetime
    calendar_name: str


def nearest_rank(values: Sequence[int], percent: int) -> int:
    """The smallest value with at least `percent`% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


def estimate(request_type: RequestType, now: dt.datetime | None = None) -> Estimate | None:
    """Median and 85th percentile delivery time (submission to fulfilment, business time)
    of the type's requests fulfilled in the last 90 days; None with fewer than 5."""
    now = now or timezone.now()
    since = now - ESTIMATE_WINDOW
    spans = list(
        ServiceRequest.objects.filter(
            request_type=request_type, fulfilled_at__gte=since, fulfilled_at__lte=now
        ).values_list("opened_at", "fulfilled_at")
    )
    if len(spans) < ESTIMATE_MINIMUM:
        return None
    calendar, name = calendar_of(request_type)
    durations = [calendar.business_us(opened, fulfilled) for opened, fulfilled in spans]
    return Estimate(
        median_us=round(statistics.median(durations)),
        percentile_us=nearest_rank(durations, ESTIMATE_PERCENTILE),
        percentile=ESTIMATE_PERCENTILE,
        count=len(durations),
        since=since,
        calendar_name=name,
    )
