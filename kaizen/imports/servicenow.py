"""The ServiceNow incident event log: one row per update of an incident, with its state then.

The export (see ../shared/datasets/servicenow-incident-event-log/README.md) repeats every
field on every row, rows of one incident are consecutive, and `sys_updated_at` says when each
update happened. Each incident becomes an ImportedIncident: the first row gives the values at
`opened_at`, every later row a step with what changed since the row before. Mapping:

- States: New, Active (-> In progress), Awaiting User Info / Evidence (-> On hold, awaiting
  caller), Awaiting Vendor / Problem (-> On hold with that reason), Resolved, Closed. A New
  incident with an assignment group is Assigned, as in Kaizen. Any other value (e.g. `-100`)
  rejects the row.
- `resolved_at` and `closed_at` are the source's recorded times of the final resolution and
  closure; an earlier resolution that was reopened takes the time of its row. Reopening clears
  `resolved_at`, as in Kaizen. First response is the first move to In progress or Resolved.
- The source's own counters (`reassignment_count`, `reopen_count`) and SLA verdict
  (`made_sla`, kept as the recorded SLA outcome) are taken as the source recorded them.
- Fields Kaizen has no column for are kept as the incident's source attributes (last row).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

from kaizen.imports.problems import ParsedRecord, RowProblem, clean, is_missing
from kaizen.imports.reading import Row
from kaizen.incidents.models import Channel, OnHoldReason, State
from kaizen.incidents.services.imported import ImportedIncident, ImportedStep

SOURCE = "servicenow"
REQUIRED_COLUMNS = (
    "number",
    "incident_state",
    "sys_updated_at",
    "opened_at",
    "caller_id",
    "impact",
    "urgency",
    "priority",
)
STATES = {
    "New": (State.NEW, ""),
    "Active": (State.IN_PROGRESS, ""),
    "Awaiting User Info": (State.ON_HOLD, OnHoldReason.AWAITING_CALLER),
    "Awaiting Evidence": (State.ON_HOLD, OnHoldReason.AWAITING_CALLER),
    "Awaiting Vendor": (State.ON_HOLD, OnHoldReason.AWAITING_VENDOR),
    "Awaiting Problem": (State.ON_HOLD, OnHoldReason.AWAITING_PROBLEM),
    "Resolved": (State.RESOLVED, ""),
    "Closed": (State.CLOSED, ""),
}
CHANNELS = {
    "Phone": Channel.PHONE,
    "IVR": Channel.PHONE,
    "Email": Channel.EMAIL,
    "Self service": Channel.SELF_SERVICE,
    "Direct opening": Channel.WALK_IN,
}
LEVELS = {"impact": (1, 3), "urgency": (1, 3), "priority": (1, 4)}
UNKNOWN_CALLER = "Unknown caller"
# The columns a row's Kaizen values are read from.
VALUE_COLUMNS = (
    "incident_state",
    "caller_id",
    "opened_by",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "cmdb_ci",
    "assignment_group",
    "assigned_to",
    "made_sla",
    "impact",
    "urgency",
    "priority",
    "reassignment_count",
    "reopen_count",
)
ATTRIBUTE_COLUMNS = (
    "u_symptom",
    "knowledge",
    "u_priority_confirmation",
    "notify",
    "problem_id",
    "rfc",
    "vendor",
    "caused_by",
    "closed_code",
    "resolved_by",
    "sys_created_by",
    "sys_created_at",
    "active",
)
DATE_FORMAT = "%d/%m/%Y %H:%M"
OPEN_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD)


class _Dates:
    """`d/m/Y H:M` in the source's time zone -> aware datetimes; the log repeats the same
    minutes thousands of times, so each text is parsed once."""

    def __init__(self, time_zone: ZoneInfo) -> None:
        self.time_zone = time_zone
        self.cache: dict[str, dt.datetime] = {}

    def parse(self, text: str) -> dt.datetime:
        try:
            return self.cache[text]
        except KeyError:
            value = dt.datetime.strptime(text.strip(), DATE_FORMAT).replace(tzinfo=self.time_zone)
            self.cache[text] = value
            return value


class _RowValues:
    """The Kaizen values one row states, with the problems of the values that were ignored."""

    def __init__(self, row: Row, dates: _Dates, previous: "_RowValues | None") -> None:
        self.problems: list[RowProblem] = []
        self.row = row
        self.dates = dates
        values = row.values
        self.key = values["number"]
        state_text = values["incident_state"].strip()
        if state_text not in STATES:
            raise _Rejected("incident_state", state_text, f"unknown state {state_text!r}")
        self.updated_at = self._date("sys_updated_at", required=True)
        self.source_key = tuple(values.get(column) for column in VALUE_COLUMNS)
        if (
            previous is not None
            and not previous.problems
            and previous.source_key == self.source_key
        ):
            # Most updates change nothing Kaizen keeps: the previous row's reading stands.
            self.values, self.problems = previous.values, []
            return
        self._read(previous.values if previous else None)

    def _read(self, previous: dict | None) -> None:
        values = self.row.values
        state, reason = STATES[values["incident_state"].strip()]
        category = clean(values.get("category"))
        subcategory = clean(values.get("subcategory"))
        self.values = {
            "state": state,
            "on_hold_reason": reason,
            "caller": clean(values["caller_id"]) or UNKNOWN_CALLER,
            "opened_by": clean(values.get("opened_by")),
            "channel": CHANNELS.get(values.get("contact_type", "").strip(), Channel.PHONE),
            "location": clean(values.get("location")),
            "category": category,
            "subcategory": (category, subcategory) if category and subcategory else None,
            "configuration_item": clean(values.get("cmdb_ci")),
            "assignment_group": clean(values.get("assignment_group")),
            "assignee": clean(values.get("assigned_to")),
            "recorded_sla_met": _boolean(values.get("made_sla")),
        }
        for name, (low, high) in LEVELS.items():
            self.values[name] = self._level(name, low, high, previous)
        for name in ("reassignment_count", "reopen_count"):
            self.values[name] = self._count(name, previous)
        if state == State.NEW and self.values["assignment_group"]:
            self.values["state"] = State.ASSIGNED

    def _date(self, column: str, *, required: bool = False) -> dt.datetime | None:
        text = self.row.values.get(column, "")
        if is_missing(text):
            if required:
                raise _Rejected(column, text, f"{column} is missing")
            return None
        try:
            return self.dates.parse(text)
        except ValueError:
            if required:
                raise _Rejected(column, text, f"{column} is not a d/m/Y H:M date") from None
            self.problems.append(self._problem(column, text, f"{column} is not a d/m/Y H:M date"))
            return None

    def _level(self, column: str, low: int, high: int, previous: dict | None) -> int | None:
        text = self.row.values.get(column, "")
        level = _level_value(text, low, high)
        if level is not None:
            return level
        self.problems.append(
            self._problem(column, text, f"{column} must be {low}..{high} (e.g. '2 - Medium')")
        )
        return previous.get(column) if previous else None

    def _count(self, column: str, previous: dict | None) -> int:
        text = self.row.values.get(column, "").strip()
        if text.isdigit():
            return int(text)
        self.problems.append(self._problem(column, text, f"{column} is not a whole number"))
        return previous.get(column, 0) if previous else 0

    def _problem(self, column: str, value: str, reason: str) -> RowProblem:
        return RowProblem(self.row.number, reason, self.key, column, value[:200], rejected=False)


class _Rejected(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@lru_cache(maxsize=256)
def _level_value(text: str, low: int, high: int) -> int | None:
    """`2 - Medium` -> 2 when within low..high."""
    head = text.split("-", 1)[0].strip()
    if head.isdigit() and low <= int(head) <= high:
        return int(head)
    return None


def _boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    return {"true": True, "false": False}.get(text.strip().lower())


def parse(rows: Iterable[Row], *, time_zone: str) -> Iterator[ParsedRecord]:
    """The incidents of the log, one ParsedRecord per incident, in file order."""
    dates = _Dates(ZoneInfo(time_zone))
    group: list[Row] = []
    for row in rows:
        if "__width__" in row.values:
            yield ParsedRecord(
                None,
                1,
                [RowProblem(row.number, f"wrong number of cells: {row.values['__width__']}")],
            )
            continue
        if group and row.values["number"] != group[0].values["number"]:
            yield _incident(group, dates)
            group = []
        group.append(row)
    if group:
        yield _incident(group, dates)


def _incident(rows: list[Row], dates: _Dates) -> ParsedRecord:
    number = rows[0].values["number"].strip()
    problems: list[RowProblem] = []
    states: list[_RowValues] = []
    previous: _RowValues | None = None
    for row in rows:
        try:
            values = _RowValues(row, dates, previous)
        except _Rejected as rejected:
            problems.append(
                RowProblem(row.number, rejected.reason, number, rejected.column, rejected.value)
            )
            continue
        problems.extend(values.problems)
        states.append(values)
        previous = values
    if not states:
        return ParsedRecord(None, len(rows), problems)
    # The log is in update order except for a few rows; the journal must be chronological.
    states.sort(
        key=lambda values: (values.updated_at, int(values.row.values.get("sys_mod_count") or 0))
    )
    first, last = states[0], states[-1]
    try:
        opened_at = dates.parse(first.row.values["opened_at"])
    except ValueError:
        problems.append(
            RowProblem(
                first.row.number,
                "opened_at is not a d/m/Y H:M date: the incident is skipped",
                number,
                "opened_at",
                first.row.values["opened_at"],
            )
        )
        return ParsedRecord(None, len(rows), problems)
    final_resolved_at = last._date("resolved_at")
    final_closed_at = last._date("closed_at")
    problems.extend(p for p in last.problems if p.field in ("resolved_at", "closed_at"))
    initial = dict(first.values)
    initial["short_description"] = _short_description(last)
    _derive(initial, None, opened_at, is_last_resolution=False, resolved_at=None, closed_at=None)
    last_resolution = max(
        (
            index
            for index, values in enumerate(states)
            if values.values["state"] in (State.RESOLVED, State.CLOSED)
            and (
                index == 0
                or states[index - 1].values["state"] not in (State.RESOLVED, State.CLOSED)
            )
        ),
        default=None,
    )
    if last_resolution == 0:
        _derive(
            initial,
            None,
            opened_at,
            is_last_resolution=True,
            resolved_at=final_resolved_at,
            closed_at=final_closed_at,
        )
    steps = []
    current = dict(initial)
    for index, values in enumerate(states[1:], start=1):
        at = max(values.updated_at, opened_at)
        proposed = dict(values.values)
        _derive(
            proposed,
            current,
            at,
            is_last_resolution=index == last_resolution,
            resolved_at=final_resolved_at,
            closed_at=final_closed_at,
        )
        changed = {name: value for name, value in proposed.items() if current.get(name) != value}
        if changed:
            steps.append(
                ImportedStep(
                    at=at,
                    actor=clean(values.row.values.get("sys_updated_by")) or "",
                    values=changed,
                )
            )
            current.update(changed)
    attributes = {
        column: clean(last.row.values.get(column))
        for column in ATTRIBUTE_COLUMNS
        if not is_missing(last.row.values.get(column))
    }
    incident = ImportedIncident(
        number=number,
        opened_at=opened_at,
        values=initial,
        steps=steps,
        opened_by_label=initial.get("opened_by") or "",
        source_attributes=attributes,
    )
    return ParsedRecord(incident, len(rows), problems, first_row=rows[0].number)


def _short_description(values: _RowValues) -> str:
    row = values.row.values
    symptom = clean(row.get("u_symptom")) or "Incident"
    where = " / ".join(filter(None, (clean(row.get("category")), clean(row.get("subcategory")))))
    return f"{symptom} ({where})"[:160] if where else symptom[:160]


def _derive(
    values: dict,
    current: dict | None,
    at: dt.datetime,
    *,
    is_last_resolution: bool,
    resolved_at: dt.datetime | None,
    closed_at: dt.datetime | None,
) -> None:
    """Fill what follows from the state, as Kaizen's lifecycle does (times, first response)."""
    state = values["state"]
    was = current["state"] if current else None
    done = (State.RESOLVED, State.CLOSED)
    keep = current or {}
    values["first_responded_at"] = keep.get("first_responded_at")
    values["resolved_at"] = keep.get("resolved_at")
    values["closed_at"] = keep.get("closed_at")
    if state in done and (was not in done):
        values["resolved_at"] = resolved_at if is_last_resolution and resolved_at else at
    elif state in OPEN_STATES and was in done:
        values["resolved_at"] = None  # reopened
    if state == State.CLOSED and was != State.CLOSED:
        values["closed_at"] = closed_at or at
    if state in (State.IN_PROGRESS, *done) and values["first_responded_at"] is None:
        values["first_responded_at"] = at
