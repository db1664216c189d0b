"""SLA clocks computed from a ticket's history. Pure: no database, no clock reading.

The same function serves the live clocks (after every write to a ticket) and
`kaizen sla recompute` (over every ticket, from the journal), so the two cannot disagree.

Semantics (docs/sla.md explains them with examples):
- A ticket's history is the list of its field values after each journal event.
- For each kind of target (response, resolution) the applicable SLA definition is the first
  active one, by `order`, whose conditions match the ticket's current fields. When that changes
  (priority raised, service corrected) the old clock is cancelled at that moment and the new
  definition's clock is measured retroactively from when the ticket was opened, with its own
  calendar and pause rules: the ticket is judged by the target that fits it.
- Which states are open, on hold, stopped (resolved) and cancelled, and which field records
  the first response, are the ticket kind's (`StateRules`, registered with the kind in
  kaizen/sla/kinds.py); the words below are the incidents'.
- A clock counts business time on its calendar while the ticket is open and not paused. It is
  paused while the ticket is on hold for one of the definition's pause reasons; on hold for any
  other reason the clock keeps running.
- Pausing is decided by the on-hold reason in force at each instant. The reason may change
  while the ticket stays on hold (awaiting the vendor, then the caller): that event starts a
  new state like any other, so the time before it is counted or paused by the old reason and
  the time after it by the new one. Nothing here reads event types: a reason change is the
  reason field's new value in the ticket's history, for every ticket kind, and the live refresh
  and the recompute build that history from the journal the same way (clock_rows.py).
- The response clock stops at the first response and never restarts. The resolution clock
  stops when the ticket is resolved (or closed) and resumes on reopen: the time spent resolved
  is not counted. Cancelling the ticket cancels its clocks.
- A clock is breached when its elapsed business time exceeds the target; resolving exactly at
  the due instant meets it. `due_at` is the instant the target is used up; `breach_at` the
  first instant after it at which business time counts again (when the breach really happens).
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kaizen.sla.calendar import CalendarIndex

RESPONSE = "response"
RESOLUTION = "resolution"
KINDS = (RESPONSE, RESOLUTION)


class StateRules(NamedTuple):
    """Which of a ticket kind's states count, pause, stop and cancel its clocks. Each ticket
    kind registers its own (kaizen/sla/kinds.py); the engine reads them from here."""

    open_states: frozenset[str]  # a clock counts in these (unless paused or responded)
    on_hold_state: str  # paused in it when `on_hold_reason_field` is a pausing reason
    stopped_states: frozenset[str]  # the resolution clock stops; resumes on leaving them
    cancelled_states: frozenset[str]  # every clock is cancelled in these
    first_response_field: str  # set at the first response: the response clock stops
    on_hold_reason_field: str = "on_hold_reason"
    state_field: str = "state"


# The service desk ticket life cycle (ITIL's incidents and requests): the rules the engine
# applies when it is given none. A kind with other states registers its own.
STANDARD_RULES = StateRules(
    open_states=frozenset({"new", "assigned", "in_progress", "on_hold"}),
    on_hold_state="on_hold",
    stopped_states=frozenset({"resolved", "closed"}),
    cancelled_states=frozenset({"cancelled"}),
    first_response_field="first_responded_at",
)


class TicketState(NamedTuple):
    """The ticket's fields from instant `at` until the next state. A named tuple rather than a
    frozen dataclass: a recompute builds one per journal event, and it is cheaper to build."""

    at: dt.datetime
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Target:
    """An SLA definition as the engine needs it."""

    id: int
    kind: str
    order: int
    target_us: int
    calendar: CalendarIndex
    pause_reasons: frozenset[str] = frozenset()
    conditions: Mapping[str, frozenset[Any]] = field(default_factory=dict)
    thresholds: tuple[int, ...] = ()
    name: str = ""

    def matches(self, fields: Mapping[str, Any]) -> bool:
        # A plain loop, not all() over a generator: this runs for every target and ticket
        # state of a recompute, and the generator costs about as much as the tests.
        for name, allowed in self.conditions.items():  # noqa: SIM110
            if fields.get(name) not in allowed:
                return False
        return True


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime
    kind: str  # counted, outside_hours, paused, stopped
    on_hold_reason: str = ""  # the reason the ticket was on hold for, if it was


@dataclass
class ClockResult:
    target: Target
    kind: str
    state: str  # running, paused, met, breached, cancelled
    started_at: dt.datetime
    elapsed_us: int
    counting: bool
    stopped_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    running_since: dt.datetime | None = None
    elapsed_at_running_since_us: int = 0
    due_at: dt.datetime | None = None
    breach_at: dt.datetime | None = None
    breached: bool = False
    warnings_passed: tuple[int, ...] = ()
    next_warning_percent: int | None = None
    next_warning_at: dt.datetime | None = None
    intervals: list[Interval] = field(default_factory=list)

    @property
    def remaining_us(self) -> int:
        return self.target.target_us - self.elapsed_us


def applicable_target(
    targets: Sequence[Target], kind: str, fields: Mapping[str, Any]
) -> Target | None:
    for target in targets:
        if target.kind == kind and target.matches(fields):
            return target
    return None


class TargetSet:
    """Targets prepared for many `compute_clocks` calls (a recompute batch): each kind's in
    precedence order, and the applicable one remembered per values of the fields their
    conditions read. A recompute asks for every state of every ticket, and tickets share a
    handful of such values (a priority, a service)."""

    # A bound on the remembered values: conditions on a field with many values (an assignee)
    # would otherwise grow it without limit.
    MEMO_SIZE = 10_000

    def __init__(self, targets: Iterable[Target]) -> None:
        ordered = sorted(targets, key=lambda t: (t.order, t.id))
        self.targets = ordered
        self.of_kind = {kind: [t for t in ordered if t.kind == kind] for kind in KINDS}
        self._read = {
            kind: tuple(sorted({name for t in self.of_kind[kind] for name in t.conditions}))
            for kind in KINDS
        }
        self._memo: dict[tuple[str, tuple[Any, ...]], Target | None] = {}

    def applicable(self, kind: str, fields: Mapping[str, Any]) -> Target | None:
        """`applicable_target` of this kind for these fields."""
        key = (kind, tuple(map(fields.get, self._read[kind])))
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list): not remembered
            return applicable_target(self.of_kind[kind], kind, fields)
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()
        found = self._memo[key] = applicable_target(self.of_kind[kind], kind, fields)
        return found


def measure(
    history: Sequence[TicketState],
    target: Target,
    kind: str,
    *,
    until: dt.datetime,
    now: dt.datetime,
    explain: bool = False,
    rules: StateRules = STANDARD_RULES,
) -> ClockResult:
    """One clock for `target` over the ticket's history from opening to `until` (<= now)."""
    calendar = target.calendar
    # The rules as locals: the loop below reads them for every state.
    (
        open_states,
        on_hold_state,
        stopped_states,
        cancelled_states,
        first_response_field,
        on_hold_reason_field,
        state_field,
    ) = rules
    started_at = history[0].at
    elapsed = 0
    breach_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    responded = False
    stopped_at: dt.datetime | None = None
    intervals: list[Interval] = []
    last_counting = False
    running_since: dt.datetime | None = None
    elapsed_at_running_since = 0
    is_response = kind == RESPONSE
    # Each segment ends where the next state starts, the last one at `until`.
    next_starts = [state.at for state in history[1:]]
    next_starts.append(until)
    # Whether the clock counts and whether it is stopped are tested inline, not by helper
    # functions: this loop runs for every state of every ticket in a recompute, and the calls
    # would cost about as much as the tests.
    for (segment_start, fields), next_start in zip(history, next_starts, strict=True):
        if segment_start > until:
            break
        if is_response and not responded and fields.get(first_response_field):
            responded = True
        elif is_response and responded and not explain:
            break  # responded in an earlier state: nothing after it changes this clock
        segment_end = until if until < next_start else next_start  # min(next_start, until)
        state = fields.get(state_field)
        is_open = state in open_states
        counting = (
            is_open
            and not (is_response and responded)
            and not (
                state == on_hold_state and fields.get(on_hold_reason_field) in target.pause_reasons
            )
        )
        stopped = responded if is_response else state in stopped_states
        if stopped and stopped_at is None:
            stopped_at = segment_start
        elif not stopped and is_open:
            stopped_at = None  # reopened: the resolution clock resumes
        last_counting = counting
        if counting:
            running_since, elapsed_at_running_since = segment_start, elapsed
            business = calendar.business_us(segment_start, segment_end)
            if due_at is None and elapsed + business >= target.target_us:
                due_at = calendar.instant_reaching(segment_start, target.target_us - elapsed)
            if due_at is not None and breach_at is None:
                candidate = calendar.first_counted_instant_after(max(due_at, segment_start))
                if candidate < segment_end:
                    breach_at = candidate
            elapsed += business
            if explain:
                on_hold_for = _on_hold_for(fields, state, rules)
                intervals.extend(
                    _explain_counting(calendar, segment_start, segment_end, on_hold_for)
                )
        elif explain and segment_end > segment_start:
            kind_of_gap = "stopped" if stopped or not is_open else "paused"
            on_hold_for = _on_hold_for(fields, state, rules)
            intervals.append(Interval(segment_start, segment_end, kind_of_gap, on_hold_for))

    counting_now = last_counting and stopped_at is None
    last_state = history[-1].fields.get(state_field)
    result = ClockResult(
        target=target,
        kind=kind,
        state="running",
        started_at=started_at,
        elapsed_us=elapsed,
        counting=counting_now,
        stopped_at=stopped_at,
        intervals=intervals,
    )
    if counting_now and running_since is not None:
        result.running_since = running_since
        result.elapsed_at_running_since_us = elapsed_at_running_since
        if due_at is None:
            due_at = calendar.instant_reaching(
                running_since, target.target_us - elapsed_at_running_since
            )
        if breach_at is None:
            breach_at = calendar.first_counted_instant_after(max(due_at, running_since))
    result.due_at = due_at
    result.breach_at = breach_at
    result.breached = elapsed > target.target_us
    _set_warnings(result, calendar, now)
    if last_state in cancelled_states:
        result.state = "cancelled"
        result.cancelled_at = history[-1].at
    elif stopped_at is not None:
        result.state = "breached" if result.breached else "met"
    elif result.breached:
        result.state = "breached"
    else:
        result.state = "running" if counting_now else "paused"
    return result


def _on_hold_for(fields: Mapping[str, Any], state: Any, rules: StateRules) -> str:
    """The reason the ticket is on hold for in this state, or "" when it is not on hold."""
    if state != rules.on_hold_state:
        return ""
    return fields.get(rules.on_hold_reason_field) or ""


def _explain_counting(
    calendar: CalendarIndex, start: dt.datetime, end: dt.datetime, on_hold_reason: str
) -> list[Interval]:
    """Split a counting stretch into the business intervals counted and the closed gaps."""
    pieces: list[Interval] = []
    cursor = start
    for low, high in calendar.intervals_between(start, end):
        if low > cursor:
            pieces.append(Interval(cursor, low, "outside_hours", on_hold_reason))
        pieces.append(Interval(low, high, "counted", on_hold_reason))
        cursor = high
    if cursor < end:
        pieces.append(Interval(cursor, end, "outside_hours", on_hold_reason))
    return pieces


def _set_warnings(result: ClockResult, calendar: CalendarIndex, now: dt.datetime) -> None:
    thresholds = sorted(result.target.thresholds)
    target_us = result.target.target_us
    result.warnings_passed = tuple(
        p for p in thresholds if result.elapsed_us * 100 >= p * target_us
    )
    if not result.counting or result.running_since is None:
        return
    for percent in thresholds:
        if percent in result.warnings_passed:
            continue
        needed = -(-percent * target_us // 100) - result.elapsed_at_running_since_us
        result.next_warning_percent = percent
        result.next_warning_at = calendar.instant_reaching(result.running_since, max(needed, 0))
        return


def compute_clocks(
    history: Sequence[TicketState],
    targets: Sequence[Target] | TargetSet,
    *,
    now: dt.datetime,
    explain: bool = False,
    rules: StateRules = STANDARD_RULES,
) -> list[ClockResult]:
    """Every clock the ticket has had, in the order they started (see the module doc), by
    the state rules of the ticket's kind."""
    if not history:
        return []
    prepared = targets if isinstance(targets, TargetSet) else TargetSet(targets)
    state_field, cancelled_states = rules.state_field, rules.cancelled_states
    first_response_field, stopped_states = rules.first_response_field, rules.stopped_states
    clocks: list[ClockResult] = []
    for kind in KINDS:
        current: Target | None = None
        for state in history:
            fields = state.fields
            ticket_state = fields.get(state_field)
            if ticket_state in cancelled_states:
                break
            if kind == RESPONSE and current is not None and fields.get(first_response_field):
                break  # responded: later changes no longer concern the response target
            if kind == RESOLUTION and current is not None and ticket_state in stopped_states:
                continue  # nothing is measured while resolved; a change applies on reopen
            applicable = prepared.applicable(kind, fields)
            if applicable is current:
                continue
            if current is not None:
                replaced = measure(
                    history, current, kind, until=state.at, now=now, explain=explain, rules=rules
                )
                replaced.state, replaced.cancelled_at, replaced.counting = (
                    "cancelled",
                    state.at,
                    False,
                )
                replaced.due_at = replaced.breach_at = replaced.next_warning_at = None
                replaced.next_warning_percent = None
                clocks.append(replaced)
            current = applicable
        if current is not None:
            clocks.append(
                measure(history, current, kind, until=now, now=now, explain=explain, rules=rules)
            )
    return clocks
