"""Process-mining event logs: one row per activity of a case (`--case`, `--activity`,
`--timestamp`, optional `--resource` and `--attribute` columns), e.g. exported from Celonis,
Disco or ProM, or the BPI Challenge logs.

Each case becomes an incident opened at its first activity. An activity moves the incident to
the state its name says (keywords below, case-insensitive, first match wins); any other
activity is kept in the journal as a step of the history without changing a field. The resource
of an activity becomes the assignee from then on; attributes are kept as source attributes
(their last value per case).

Logs are not always sorted by case, so rows are first spooled into a temporary SQLite file on
disk and read back case by case in time order: memory stays flat whatever the log's size.
"""

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kaizen.imports.problems import ParsedRecord, RowProblem, clean
from kaizen.imports.reading import Row
from kaizen.incidents.models import Incident, State
from kaizen.incidents.services.imported import ImportedIncident, ImportedStep

SOURCE = "eventlog"
ACTIVITY_STATES = (
    ("cancel", State.CANCELLED),
    ("close", State.CLOSED),
    ("resolv", State.RESOLVED),
    ("solve", State.RESOLVED),
    ("fix", State.RESOLVED),
    ("complete", State.RESOLVED),
    ("wait", State.ON_HOLD),
    ("hold", State.ON_HOLD),
    ("pend", State.ON_HOLD),
    ("await", State.ON_HOLD),
    ("suspend", State.ON_HOLD),
    ("reopen", State.IN_PROGRESS),
    ("start", State.IN_PROGRESS),
    ("progress", State.IN_PROGRESS),
    ("work", State.IN_PROGRESS),
    ("investigat", State.IN_PROGRESS),
    ("diagnos", State.IN_PROGRESS),
    ("assign", State.ASSIGNED),
)
FINAL = (State.CLOSED, State.CANCELLED)


def state_for_activity(activity: str) -> State | None:
    lowered = activity.lower()
    for keyword, state in ACTIVITY_STATES:
        if keyword in lowered:
            return state
    return None


def required_columns(options: dict[str, Any]) -> tuple[str, ...]:
    names = [options["case"], options["activity"], options["timestamp"]]
    if options.get("resource"):
        names.append(options["resource"])
    return (*names, *options.get("attributes", []))


def _time(text: str, time_format: str | None, time_zone: ZoneInfo) -> dt.datetime:
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
    with tempfile.TemporaryDirectory(prefix="kaizen-eventlog-") as folder:
        spool = sqlite3.connect(Path(folder) / "spool.sqlite3")
        spool.execute(
            "CREATE TABLE activity (case_id TEXT, at TEXT, line INTEGER, activity TEXT, "
            "resource TEXT, attributes TEXT)"
        )
        rejected = list(_spool(spool, rows, options, time_format, time_zone, attributes))
        yield from rejected
        spool.execute("CREATE INDEX activity_case ON activity (case_id, at, line)")
        cursor = spool.execute(
            "SELECT case_id, at, line, activity, resource, attributes FROM activity "
            "ORDER BY case_id, at, line"
        )
        case: list[tuple] = []
        for record in cursor:
            if case and record[0] != case[0][0]:
                yield _case(case, attributes)
                case = []
            case.append(record)
        if case:
            yield _case(case, attributes)
        spool.close()


def _spool(
    spool: sqlite3.Connection,
    rows: Iterable[Row],
    options: dict[str, Any],
    time_format: str | None,
    time_zone: ZoneInfo,
    attributes: list[str],
) -> Iterator[ParsedRecord]:
    """Write the usable rows to the spool; yield a record for each rejected one."""
    batch: list[tuple] = []
    for row in rows:
        if "__width__" in row.values:
            reason = f"wrong number of cells: {row.values['__width__']}"
            yield ParsedRecord(None, 1, [RowProblem(row.number, reason)])
            continue
        case = clean(row.values[options["case"]])
        activity = clean(row.values[options["activity"]])
        stamp = clean(row.values[options["timestamp"]])
        problem = None
        if case is None:
            problem = ("case", "", "the case id is missing")
        elif len(case) > Incident._meta.get_field("number").max_length:
            problem = ("case", case, "the case id is longer than 20 characters")
        elif activity is None:
            problem = ("activity", "", "the activity is missing")
        elif stamp is None:
            problem = ("timestamp", "", "the timestamp is missing")
        else:
            try:
                at = _time(stamp, time_format, time_zone)
            except ValueError:
                problem = ("timestamp", stamp, "the timestamp is not a date")
        if problem:
            field, value, reason = problem
            column = options.get(field, field)
            yield ParsedRecord(
                None, 1, [RowProblem(row.number, reason, case or "", column, value[:200])]
            )
            continue
        resource = clean(row.values.get(options.get("resource") or "", ""))
        extra = "\x1f".join(row.values.get(name, "") for name in attributes)
        utc = at.astimezone(dt.UTC).isoformat()
        batch.append((case.upper(), utc, row.number, activity, resource, extra))
        if len(batch) >= 5000:
            spool.executemany("INSERT INTO activity VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch = []
    if batch:
        spool.executemany("INSERT INTO activity VALUES (?, ?, ?, ?, ?, ?)", batch)


def _case(records: list[tuple], attribute_names: list[str]) -> ParsedRecord:
    number = records[0][0]
    opened_at = dt.datetime.fromisoformat(records[0][1])
    first_resource = records[0][4]
    state = State.ASSIGNED if first_resource else State.NEW
    initial: dict[str, Any] = {
        "caller": "Unknown caller",
        "short_description": f"Case {number}: {records[0][3]}"[:160],
        "assignee": first_resource,
        "state": state,
        "on_hold_reason": "",
        "first_responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "cancelled_at": None,
    }
    steps: list[ImportedStep] = []
    current = dict(initial)
    problems: list[RowProblem] = []
    for _case_id, stamp, line, activity, resource, _extra in records[1:]:
        at = dt.datetime.fromisoformat(stamp)
        change: dict[str, Any] = {}
        if resource and resource != current["assignee"]:
            change["assignee"] = resource
        target = state_for_activity(activity)
        if current["state"] in FINAL and target is not None:
            problems.append(
                RowProblem(
                    line,
                    f"activity {activity!r} after the case ended is kept as a "
                    "step without a state change",
                    number,
                    "activity",
                    activity,
                    rejected=False,
                )
            )
            target = None
        if target is not None and target != current["state"]:
            change.update(_state_change(current, target, at))
        current.update(change)
        steps.append(
            ImportedStep(at=at, actor=resource or "", values=change, data={"activity": activity})
        )
    attributes: dict[str, Any] = {}
    if attribute_names:
        last = records[-1][5].split("\x1f")
        attributes = {
            name: value for name, value in zip(attribute_names, last, strict=False) if clean(value)
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
        incident, len(records), problems, first_row=min(record[2] for record in records)
    )


def _state_change(current: dict[str, Any], target: State, at: dt.datetime) -> dict[str, Any]:
    """What a move to `target` sets, as Kaizen's lifecycle does."""
    change: dict[str, Any] = {"state": target}
    change["on_hold_reason"] = "" if target != State.ON_HOLD else current["on_hold_reason"]
    if current["state"] == State.RESOLVED and target in (State.IN_PROGRESS, State.ON_HOLD):
        change["resolved_at"] = None
    if target == State.RESOLVED:
        change["resolved_at"] = at
    elif target == State.CLOSED:
        change["closed_at"] = at
        if current["resolved_at"] is None:
            change["resolved_at"] = at
    elif target == State.CANCELLED:
        change["cancelled_at"] = at
    worked = (State.IN_PROGRESS, State.RESOLVED, State.CLOSED)
    if target in worked and current["first_responded_at"] is None:
        change["first_responded_at"] = at
    return change
