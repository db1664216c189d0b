"""Process-mining event logs: one row per activity of a case (`--case`, `--activity`,
`--timestamp`, optional `--resource` and `--attribute` columns), e.g. exported from Celonis,
Disco or ProM, or the BPI Challenge logs.

Each case becomes an incident numbered with its case id as the log writes it, opened at its
first activity. An activity moves the incident to the state a mapping file gives it
(`[activities]`), or without one, the state its name says (keywords below, case-insensitive,
first match wins); any other activity is kept in the journal as a step of the history without
changing a field. The resource of an activity becomes the assignee from then on (or the
assignment group, when the mapping says the resource is a team); attributes are kept as source
attributes (their last value per case); channel, priority, impact and urgency are read from the
columns the mapping names, through its value maps, as the ticket importer reads them.

The history follows Kaizen's incident lifecycle (`TRANSITIONS`), as an incident worked live
would: a move the table does not allow in one step goes through the state it needs (Resolved
before Closed; a reopen to In progress before On hold), and an activity after a closure that
puts the case back to work is a reopen: the closure it undoes is imported as the resolution
before it, and the reopen as Resolved -> In progress (`reopen_count` + 1). Closed and
Cancelled stay final, as in Kaizen.

Logs are not always sorted by case, so rows are first spooled into a temporary SQLite file on
disk and read back case by case in time order: memory stays flat whatever the log's size.
"""

import datetime as dt
import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kaizen.imports.eventlog_mapping import VALUE_FIELDS, Move, Reading
from kaizen.imports.problems import ParsedRecord, RowProblem, clean, is_missing
from kaizen.imports.reading import Row
from kaizen.imports.tickets import NAME_LENGTHS
from kaizen.incidents.models import Incident, State
from kaizen.incidents.services.imported import ImportedIncident, ImportedStep
from kaizen.incidents.services.lifecycle import TRANSITIONS

OPEN = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD)
FINAL = (State.CLOSED, State.CANCELLED)
NUMBER_LENGTH = Incident._meta.get_field("number").max_length

# -- reading the rows -------------------------------------------------------------------------


def required_columns(options: dict[str, Any]) -> tuple[str, ...]:
    names = [options["case"], options["activity"], options["timestamp"]]
    if options.get("resource"):
        names.append(options["resource"])
    mapped = (options.get("mapping") or {}).get("columns", {})
    extra = [column for column in mapped.values() if column not in names]
    return (*names, *options.get("attributes", []), *extra)


def case_number(text: str | None) -> tuple[str | None, str]:
    """The incident number of a case id as the log writes it (only the whitespace around it
    dropped), or None and why it cannot be one."""
    if is_missing(text):
        return None, "the case id is missing"
    number = str(text).strip()
    if len(number) > NUMBER_LENGTH:
        return None, f"the case id is longer than {NUMBER_LENGTH} characters (an incident number)"
    if "/" in number or not number.isprintable():
        return None, "the case id holds '/' or a control character, which an incident number cannot"
    return number, ""


def read_time(text: str, time_format: str | None, time_zone: ZoneInfo) -> dt.datetime:
    """A time as the file writes it (ISO 8601 unless a strptime format is given); one without
    an offset is in `time_zone`."""
    value = (
        dt.datetime.strptime(text, time_format) if time_format else dt.datetime.fromisoformat(text)
    )
    return value if value.tzinfo else value.replace(tzinfo=time_zone)


def parse(
    rows: Iterable[Row], *, options: dict[str, Any], default_time_zone: str
) -> Iterator[ParsedRecord]:
    time_zone = ZoneInfo(options.get("time_zone") or default_time_zone)
    time_format = options.get("timestamp_format")
    attributes: list[str] = options.get("attributes", [])
    reading = Reading(options)
    with tempfile.TemporaryDirectory(prefix="kaizen-eventlog-") as folder:
        spool = sqlite3.connect(Path(folder) / "spool.sqlite3")
        spool.execute(
            "CREATE TABLE activity (case_id TEXT, at TEXT, line INTEGER, activity TEXT, "
            "resource TEXT, attributes TEXT, fields TEXT)"
        )
        rejected = list(_spool(spool, rows, options, time_format, time_zone, attributes, reading))
        yield from rejected
        spool.execute("CREATE INDEX activity_case ON activity (case_id, at, line)")
        cursor = spool.execute(
            "SELECT case_id, at, line, activity, resource, attributes, fields FROM activity "
            "ORDER BY case_id, at, line"
        )
        case: list[tuple] = []
        for record in cursor:
            if case and record[0] != case[0][0]:
                yield _Case(case, attributes, reading, options["activity"]).record()
                case = []
            case.append(record)
        if case:
            yield _Case(case, attributes, reading, options["activity"]).record()
        spool.close()


def _spool(
    spool: sqlite3.Connection,
    rows: Iterable[Row],
    options: dict[str, Any],
    time_format: str | None,
    time_zone: ZoneInfo,
    attributes: list[str],
    reading: Reading,
) -> Iterator[ParsedRecord]:
    """Write the usable rows to the spool; yield a record for each rejected one, and for each
    value ignored (a record of no rows: its row is counted with its case)."""
    batch: list[tuple] = []
    for row in rows:
        if "__width__" in row.values:
            reason = f"wrong number of cells: {row.values['__width__']}"
            yield ParsedRecord(None, 1, [RowProblem(row.number, reason)])
            continue
        raw_case = row.values[options["case"]]
        case, case_problem = case_number(raw_case)
        activity = clean(row.values[options["activity"]])
        stamp = clean(row.values[options["timestamp"]])
        problem = None
        if case is None:
            problem = ("case", (raw_case or "").strip(), case_problem)
        elif activity is None:
            problem = ("activity", "", "the activity is missing")
        elif stamp is None:
            problem = ("timestamp", "", "the timestamp is missing")
        else:
            try:
                at = read_time(stamp, time_format, time_zone)
            except ValueError:
                problem = ("timestamp", stamp, "the timestamp is not a date")
        if problem:
            name, value, reason = problem
            column = options.get(name, name)
            yield ParsedRecord(
                None, 1, [RowProblem(row.number, reason, case or "", column, value[:200])]
            )
            continue
        assert case is not None and activity is not None
        resource = clean(row.values.get(options.get("resource") or "", ""))
        ignored: list[RowProblem] = []
        if resource is not None:
            resource_field, resource_name = reading.resource(resource)
            limit = NAME_LENGTHS.get(resource_field)
            if limit and len(resource_name) > limit:
                reason = f"a team's name is at most {limit} characters: the resource is ignored"
                column = options["resource"]
                ignored.append(RowProblem(row.number, reason, case, column, resource[:200], False))
                resource = None
        values: dict[str, Any] = {}
        for name, column in reading.columns.items():
            text = clean(row.values.get(column))
            if text is None:
                continue
            try:
                values[name] = reading.value(name, text)
            except ValueError as exc:
                ignored.append(RowProblem(row.number, str(exc), case, column, text[:200], False))
        if ignored:
            yield ParsedRecord(None, 0, ignored)
        extra = "\x1f".join(row.values.get(name, "") for name in attributes)
        utc = at.astimezone(dt.UTC).isoformat()
        fields = json.dumps(values) if values else ""
        batch.append((case, utc, row.number, activity, resource, extra, fields))
        if len(batch) >= 5000:
            spool.executemany("INSERT INTO activity VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            batch = []
    if batch:
        spool.executemany("INSERT INTO activity VALUES (?, ?, ?, ?, ?, ?, ?)", batch)


# -- one case's history -----------------------------------------------------------------------


def _path(current: State, target: State) -> list[State]:
    """The states an incident at `current` goes through to be where the log says, by the moves
    Kaizen's lifecycle allows; [] when it stays where it is."""
    if target == current:
        return []
    if current == State.RESOLVED and target in OPEN:  # reopened; back to Assigned is work too
        return [State.IN_PROGRESS, *([State.ON_HOLD] if target == State.ON_HOLD else [])]
    if target in (State.NEW, State.ASSIGNED):  # Assigned follows an assignment, as in Kaizen
        return []
    if target in TRANSITIONS[current]:
        return [target]
    if current in OPEN and target == State.CLOSED:
        return [State.RESOLVED, State.CLOSED]
    return []


@dataclass
class _Case:
    """One case's rows (spooled, in time order) and the incident they make."""

    records: list[tuple]
    attribute_names: list[str]
    reading: Reading
    activity_column: str
    problems: list[RowProblem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def record(self) -> ParsedRecord:
        records = self.records
        number = records[0][0]
        opened_at = dt.datetime.fromisoformat(records[0][1])
        fields = [json.loads(record[6]) if record[6] else {} for record in records]
        initial: dict[str, Any] = {
            "caller": "Unknown caller",
            "short_description": f"Case {number}: {records[0][3]}"[:160],
            "state": State.NEW,
            "on_hold_reason": "",
            "first_responded_at": None,
            "resolved_at": None,
            "closed_at": None,
            "cancelled_at": None,
        }
        # A case's value of a field at opening is the first its rows give (logs often write
        # case attributes on some events only); a later different value is a change then.
        for name in VALUE_FIELDS:
            given = next((values[name] for values in fields if name in values), None)
            if given is None:
                given = self.reading.defaults.get(name)
            if given is not None:
                initial[name] = given
        first_resource = records[0][4]
        if first_resource:
            resource_field, name = self.reading.resource(first_resource)
            initial[resource_field] = name
            initial["state"] = State.ASSIGNED
        current = dict(initial, reopen_count=0, resolution_code="")
        moves = [self.reading.move(record[3]) for record in records]
        # The last activity that puts the case back to work: a closure before it was undone.
        last_open = max(
            (index for index, move in enumerate(moves) if move and move.state in OPEN), default=-1
        )
        steps: list[ImportedStep] = []
        for index, (record, move) in enumerate(zip(records, moves, strict=True)):
            _case_id, stamp, line, activity, resource, _extra, _fields = record
            at = dt.datetime.fromisoformat(stamp)
            change: dict[str, Any] = {}
            if index > 0:
                change.update(self._assignment(current, resource))
                for name, value in fields[index].items():
                    if current.get(name) != value:
                        change[name] = value
            data: dict[str, Any] = {"activity": activity}
            if move is not None and move.state is not None:
                if index == 0 and move.state in (State.RESOLVED, State.CLOSED):
                    self.counts["opened_resolved"] += 1
                move = self._undone(move, index, last_open, line, activity, data)
            path = self._moves(current, move, line, activity) if move and move.state else []
            if index == 0 and not path:
                continue  # the created event is this activity
            assigned = change.get("assignee") or change.get("assignment_group")
            if not path and current["state"] == State.NEW and assigned:
                change["state"] = State.ASSIGNED  # as Kaizen's assignment does
            current.update(change)
            for position, state in enumerate(path):
                moved = self._state_change(current, state, move, at)
                last = position == len(path) - 1
                if last:
                    moved.update(change)
                current.update(moved)
                note = {"activity": activity, "note": _implied(state)}
                step_data = dict(data) if last else note
                steps.append(ImportedStep(at, resource or "", moved, step_data))
            if not path:
                if move and move.state == State.ON_HOLD == current["state"]:
                    reason = move.on_hold_reason
                    if reason and reason != current["on_hold_reason"]:
                        change["on_hold_reason"] = reason
                        current["on_hold_reason"] = reason
                steps.append(ImportedStep(at=at, actor=resource or "", values=change, data=data))
        if self.counts["reopens"]:
            self.counts["cases_reopened"] += 1
        attributes: dict[str, Any] = {}
        if self.attribute_names:
            last = records[-1][5].split("\x1f")
            attributes = {
                name: value
                for name, value in zip(self.attribute_names, last, strict=False)
                if clean(value)
            }
        attributes["first_activity"] = records[0][3]
        incident = ImportedIncident(
            number=number,
            opened_at=opened_at,
            values=initial,
            steps=steps,
            opened_by_label=first_resource or "",
            source_attributes=attributes,
        )
        return ParsedRecord(
            incident,
            len(records),
            self.problems,
            first_row=min(record[2] for record in records),
            counts=dict(self.counts),
        )

    def _assignment(self, current: dict[str, Any], resource: str | None) -> dict[str, Any]:
        if not resource:
            return {}
        resource_field, name = self.reading.resource(resource)
        if current.get(resource_field) == name:
            return {}
        if resource_field == "assignment_group":  # handed to a team: nobody in it yet
            return {"assignment_group": name, "assignee": None}
        return {"assignee": name}

    def _undone(
        self, move: Move, index: int, last_open: int, line: int, activity: str, data: dict
    ) -> Move:
        """A closure or cancellation the case is put back to work after is not final."""
        if index >= last_open or move.state not in FINAL:
            return move
        if move.state == State.CLOSED:
            self.counts["closures_undone"] += 1
            data["note"] = "closure imported as a resolution: the case was reopened later"
            return Move(State.RESOLVED, resolution_code=move.resolution_code)
        self.counts["cancellations_undone"] += 1
        data["note"] = "cancellation kept without cancelling: the case was worked on later"
        self._note(
            line,
            f"activity {activity!r} cancels the case, but it is worked on later: kept as a "
            "step without cancelling (Kaizen does not reopen a cancelled incident)",
            activity,
        )
        return Move(None)

    def _note(self, line: int, reason: str, activity: str) -> None:
        """A problem of an activity's row that leaves the row in the history."""
        self.problems.append(
            RowProblem(line, reason, self.records[0][0], self.activity_column, activity, False)
        )

    def _moves(self, current: dict[str, Any], move: Move, line: int, activity: str) -> list[State]:
        assert move.state is not None
        state = State(current["state"])
        path = _path(state, move.state)
        if path or move.state in (state, State.NEW, State.ASSIGNED):
            return path
        # Left as it is, and said so: the source's move has no way in Kaizen's lifecycle.
        if state in FINAL:
            reason = (
                f"activity {activity!r} after the case ended is kept as a step without a state "
                "change"
            )
        else:
            reason = (
                f"activity {activity!r} would move a {state.label.lower()} incident to "
                f"{move.state.label.lower()}, which Kaizen's lifecycle does not allow: kept as a "
                "step without a state change"
            )
        self._note(line, reason, activity)
        return []

    def _state_change(
        self, current: dict[str, Any], target: State, move: Move, at: dt.datetime
    ) -> dict[str, Any]:
        """What one allowed move to `target` sets, as Kaizen's lifecycle does."""
        change: dict[str, Any] = {
            "state": target,
            "on_hold_reason": move.on_hold_reason if target == State.ON_HOLD else "",
        }
        if current["state"] == State.RESOLVED and target == State.IN_PROGRESS:
            self.counts["reopens"] += 1
            change.update(
                resolved_at=None, resolution_code="", reopen_count=current["reopen_count"] + 1
            )
        if target == State.RESOLVED:
            change["resolved_at"] = at
            change["resolution_code"] = move.resolution_code
        elif target == State.CLOSED:
            change["closed_at"] = at
        elif target == State.CANCELLED:
            change["cancelled_at"] = at
        worked = (State.IN_PROGRESS, State.RESOLVED)
        if target in worked and current["first_responded_at"] is None:
            change["first_responded_at"] = at
        return change


def _implied(state: State) -> str:
    if state == State.RESOLVED:
        return "implied: Kaizen resolves an incident before closing it"
    return "implied: Kaizen reopens a resolved incident to In progress first"
