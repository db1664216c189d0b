"""Ticket exports of other tools (Jira, Zendesk, GLPI...): one row per ticket, read through a
mapping file (TOML or YAML) that names the columns, value maps and date formats.

    source = "jira"                      # kept on each incident; re-runs skip what it imported
    attributes = ["Labels", "Sprint"]    # columns kept as source attributes
    [columns]                            # Kaizen field = column of the export
    number = "Issue key"
    opened_at = "Created"
    resolved_at = "Resolved"
    state = "Status"
    priority = "Priority"
    caller = "Reporter"
    assignee = "Assignee"
    assignment_group = "Team"
    short_description = "Summary"
    [values.state]                       # the export's value = Kaizen's value
    "To Do" = "new"
    "In Progress" = "in_progress"
    "Done" = "closed"
    [values.priority]
    Highest = 1
    [dates]
    format = "%d/%b/%y %I:%M %p"         # strptime format, or "iso" (the default)
    time_zone = "Europe/Paris"           # for times without an offset (default: KAIZEN_TIME_ZONE)

A row has no history of its own, so each incident gets the history its times imply: opened at
`opened_at`, in progress at `first_responded_at`, resolved at `resolved_at`, closed at
`closed_at` (or cancelled at `cancelled_at`), and its final state, when it is another open one,
at its last known time.
"""

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from kaizen.catalog.models import ConfigurationItem, Location
from kaizen.imports.problems import ParsedRecord, RowProblem, clean
from kaizen.imports.reading import Row
from kaizen.incidents.models import Category, Channel, Incident, OnHoldReason, State
from kaizen.incidents.services.imported import ImportedIncident, ImportedStep
from kaizen.people.models import Team

TIME_FIELDS = ("opened_at", "first_responded_at", "resolved_at", "closed_at", "cancelled_at")
LEVEL_FIELDS = {"priority": (1, 5), "impact": (1, 3), "urgency": (1, 3)}
TEXT_FIELDS = (
    "caller",
    "opened_by",
    "assignee",
    "assignment_group",
    "category",
    "subcategory",
    "configuration_item",
    "location",
    "short_description",
    "description",
    "resolution_notes",
)
# Fields naming a record found or created by name, and the longest name it can hold (people's
# names are cut to fit by the people service; a team or category cut short would be another).
NAME_LENGTHS = {
    "assignment_group": Team._meta.get_field("name").max_length,
    "category": Category._meta.get_field("name").max_length,
    "subcategory": Category._meta.get_field("name").max_length,
    "configuration_item": ConfigurationItem._meta.get_field("name").max_length,
    "location": Location._meta.get_field("name").max_length,
}
BOOLEAN_FIELDS = ("recorded_sla_met", "major_incident")
COUNT_FIELDS = ("reassignment_count", "reopen_count")
MAX_COUNT = 2**31 - 1  # the largest value an integer column holds on PostgreSQL
CHOICE_FIELDS = {"state": State, "channel": Channel, "on_hold_reason": OnHoldReason}
MAPPABLE_FIELDS = (
    "number",
    *TIME_FIELDS,
    *LEVEL_FIELDS,
    *TEXT_FIELDS,
    *BOOLEAN_FIELDS,
    *COUNT_FIELDS,
    *CHOICE_FIELDS,
)
TRUE_TEXTS = {"true", "yes", "y", "1", "met"}
FALSE_TEXTS = {"false", "no", "n", "0", "breached", "missed"}
OPEN = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.ON_HOLD)
# Fields every mapping must give: a column, or for the caller a default; a row where one is
# empty (and has no default) is rejected. docs/imports.md lists them; a test compares the two.
REQUIRED_FIELDS = ("number", "opened_at", "caller")
NO_DEFAULT = ("number", "opened_at")  # each ticket has its own: a column is required


class MappingError(ValueError):
    """The mapping file is unreadable or names something that does not exist."""


def read_mapping_file(text: str, filename: str) -> dict[str, Any]:
    """The table a mapping file holds: YAML (.yml, .yaml), JSON (.json) or TOML (any other
    name). Every importer that takes a mapping reads it here."""
    try:
        if filename.lower().endswith((".yml", ".yaml")):
            mapping = yaml.safe_load(text)
        elif filename.lower().endswith(".json"):
            mapping = json.loads(text)
        else:
            mapping = tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"the mapping file is not valid JSON: {exc}") from exc
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"the mapping file is not valid TOML/YAML: {exc}") from exc
    if not isinstance(mapping, dict):
        raise MappingError("the mapping file must hold a table of sections")
    return mapping


def check_source(mapping: dict[str, Any], default: str) -> str:
    """The mapping's `source` (the name re-runs are keyed by), or `default`."""
    source = str(mapping.get("source", default)).strip()
    if not source or len(source) > Incident._meta.get_field("imported_from").max_length:
        raise MappingError("source: give a short name of the tool (at most 40 characters)")
    return source


def check_value_maps(mapping: dict[str, Any], fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The mapping's `values` section (a map per field, of `fields` only), keys as text, as
    cells are read (a YAML map may have written `5: 3`); every Kaizen value in it must be one
    Kaizen accepts (checked here, once, rather than failing the rows that use it)."""
    values = mapping.get("values", {})
    if not isinstance(values, dict):
        raise MappingError("values: must be a table of value maps per field")
    fields = set(fields)
    checked: dict[str, dict[str, Any]] = {}
    for name, value_map in values.items():
        if name not in fields:
            raise MappingError(f"values.{name}: that field has no column under [columns]")
        if not isinstance(value_map, dict):
            raise MappingError(f"values.{name}: must map the export's values to Kaizen's")
        for source_value, kaizen_value in value_map.items():
            if name not in TIME_FIELDS:
                try:
                    convert_value(name, kaizen_value)
                except ValueError as exc:
                    raise MappingError(f"values.{name}.{source_value}: {exc}") from exc
        checked[name] = {str(source): kaizen for source, kaizen in value_map.items()}
    return checked


def load_mapping(text: str, filename: str = "mapping.toml") -> dict[str, Any]:
    """Read and check a mapping file; the message of a MappingError names the bad key. A
    mapping with `record = "request"` reads service requests (kaizen/imports/request_tickets.py)."""
    mapping = read_mapping_file(text, filename)
    from kaizen.imports import request_tickets

    if request_tickets.is_request_mapping(mapping):
        request_tickets.check_mapping(mapping)
        check_source(mapping, "tickets-csv")
        return mapping
    columns = mapping.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError("columns: name the export's column for each Kaizen field")
    unknown = sorted(set(columns) - set(MAPPABLE_FIELDS))
    if unknown:
        raise MappingError(
            f"columns.{unknown[0]}: not a Kaizen field (use one of {', '.join(MAPPABLE_FIELDS)})"
        )
    defaults = mapping.get("defaults", {})
    if not isinstance(defaults, dict):
        raise MappingError("defaults: must be a table of values per field")
    for required in REQUIRED_FIELDS:
        if required in NO_DEFAULT and not columns.get(required):
            raise MappingError(f"columns.{required}: required")
        if not columns.get(required) and required not in defaults:
            raise MappingError(f"columns.{required}: required (or give defaults.{required})")
    check_value_maps(mapping, columns)
    dates = mapping.get("dates", {})
    time_zone = dates.get("time_zone")
    if time_zone:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"dates.time_zone: unknown time zone {time_zone!r}") from exc
    # Value maps of times hold texts in the mapping's date format: checked by this reader.
    reader = _Reader(mapping, "UTC", checked=False)
    for name, value_map in reader.value_maps.items():
        for source_value, kaizen_value in value_map.items():
            if name in TIME_FIELDS:
                try:
                    reader.convert(name, kaizen_value)
                except ValueError as exc:
                    raise MappingError(f"values.{name}.{source_value}: {exc}") from exc
    for name, value in defaults.items():
        if name not in MAPPABLE_FIELDS or name == "number":
            raise MappingError(f"defaults.{name}: not a Kaizen field that can have a default")
        try:
            reader.convert(name, value)
        except ValueError as exc:
            raise MappingError(f"defaults.{name}: {exc}") from exc
    check_source(mapping, "tickets-csv")
    attributes = mapping.get("attributes", [])
    if not isinstance(attributes, list):
        raise MappingError("attributes: must be a list of column names")
    return mapping


def required_columns(mapping: dict[str, Any]) -> tuple[str, ...]:
    return tuple(mapping["columns"].values())


class _Reader:
    """Turns one row into typed Kaizen values through the mapping, noting each problem."""

    def __init__(
        self, mapping: dict[str, Any], default_time_zone: str, *, checked: bool = True
    ) -> None:
        self.columns: dict[str, str] = mapping["columns"]
        # Keys as text, as cells are read: a YAML map may have written `5: 3`.
        self.value_maps: dict[str, dict[str, Any]] = {
            name: {str(source): kaizen for source, kaizen in value_map.items()}
            for name, value_map in mapping.get("values", {}).items()
        }
        dates = mapping.get("dates", {})
        self.date_format: str = dates.get("format", "iso")
        self.time_zone = ZoneInfo(dates.get("time_zone") or default_time_zone)
        self.attributes: list[str] = mapping.get("attributes", [])
        raw_defaults: dict[str, Any] = mapping.get("defaults", {})
        # load_mapping has checked every default; an unchecked reader keeps them as written.
        self.defaults: dict[str, Any] = (
            {name: self.convert(name, value) for name, value in raw_defaults.items()}
            if checked
            else dict(raw_defaults)
        )

    def read(self, row: Row, problems: list[RowProblem]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, column in self.columns.items():
            raw = row.values.get(column)
            text = clean(raw)
            if text is not None and name in self.value_maps:
                text = self.value_maps[name].get(text, text)
            if text is None:
                continue
            try:
                values[name] = self.convert(name, text)
            except ValueError as exc:
                # The value is ignored: the field takes the mapping's default, or Kaizen's.
                problems.append(
                    RowProblem(row.number, str(exc), "", column, str(raw)[:200], rejected=False)
                )
        for name, value in self.defaults.items():
            values.setdefault(name, value)
        return values

    def convert(self, name: str, text: Any) -> Any:
        """The Kaizen value of `name` written `text`; ValueError says why there is none."""
        if name in TIME_FIELDS:
            return self._time(str(text))
        return convert_value(name, text)

    def _time(self, text: str) -> dt.datetime:
        try:
            if self.date_format == "iso":
                value = dt.datetime.fromisoformat(text)
            else:
                value = dt.datetime.strptime(text, self.date_format)
        except ValueError:
            shown = "ISO 8601" if self.date_format == "iso" else repr(self.date_format)
            raise ValueError(f"not a date in the format {shown}") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.time_zone)
        return value


def convert_value(name: str, text: Any) -> Any:
    """The Kaizen value of field `name` (any but a time) written `text`; ValueError says why
    there is none, naming where to map it."""
    if name in NAME_LENGTHS and len(str(text)) > NAME_LENGTHS[name]:
        raise ValueError(f"{name} is longer than {NAME_LENGTHS[name]} characters")
    if name in LEVEL_FIELDS:
        low, high = LEVEL_FIELDS[name]
        head = str(text).split("-", 1)[0].strip()
        if head.isdecimal() and low <= int(head) <= high:
            return int(head)
        raise ValueError(f"{name} must be {low}..{high} (map it under [values.{name}])")
    if name in BOOLEAN_FIELDS:
        lowered = str(text).lower()
        if lowered in TRUE_TEXTS or lowered in FALSE_TEXTS:
            return lowered in TRUE_TEXTS
        raise ValueError(f"{name} must be true or false")
    if name in COUNT_FIELDS:
        if str(text).isdecimal() and int(text) <= MAX_COUNT:
            return int(text)
        raise ValueError(f"{name} must be a whole number from 0 to {MAX_COUNT}")
    if name in CHOICE_FIELDS:
        allowed = CHOICE_FIELDS[name].values
        if text in allowed:
            return text
        raise ValueError(
            f"unknown {name} {text!r}: not one of {', '.join(allowed)} "
            f"(map it under [values.{name}])"
        )
    return text


def parse(
    rows: Iterable[Row], *, mapping: dict[str, Any], default_time_zone: str
) -> Iterator[ParsedRecord]:
    reader = _Reader(mapping, default_time_zone)
    for row in rows:
        if "__width__" in row.values:
            reason = f"wrong number of cells: {row.values['__width__']}"
            yield ParsedRecord(None, 1, [RowProblem(row.number, reason)])
            continue
        yield _ticket(row, reader)


def _ticket(row: Row, reader: _Reader) -> ParsedRecord:
    problems: list[RowProblem] = []
    values = reader.read(row, problems)
    number = str(values.pop("number", None) or "").strip().upper()
    for problem in problems:
        problem.record_key = number
    fatal = None
    if not number:
        fatal = ("number", "the ticket has no number")
    elif len(number) > Incident._meta.get_field("number").max_length:
        fatal = ("number", "the number is longer than 20 characters")
    elif values.get("opened_at") is None:
        fatal = ("opened_at", "opened_at is missing or unreadable")
    elif values.get("caller") is None:
        fatal = ("caller", "the ticket has no caller (give defaults.caller for such rows)")
    state_problems = [p for p in problems if p.field == reader.columns.get("state")]
    if state_problems and not fatal:
        # An unknown state makes the whole row unusable: its problem becomes the rejection.
        state_problems[0].rejected = True
        return ParsedRecord(None, 1, problems)
    if fatal:
        field, reason = fatal
        column = reader.columns.get(field, "")
        raw = row.values.get(column, "")
        # Named by the export's column, as every other problem of the row (the reason names
        # Kaizen's field); a field with no column is named as the mapping names it.
        named = column or f"defaults.{field}"
        problems.append(RowProblem(row.number, reason, number, named, str(raw)[:200]))
        return ParsedRecord(None, 1, problems)
    return ParsedRecord(_incident(number, values, row, reader), 1, problems, first_row=row.number)


def _incident(number: str, values: dict[str, Any], row: Row, reader: _Reader) -> ImportedIncident:
    times = {name: values.pop(name, None) for name in TIME_FIELDS}
    opened_at = times["opened_at"]
    final_state = values.pop("state", None)
    on_hold_reason = values.pop("on_hold_reason", None) or ""
    if not values.get("short_description"):
        values["short_description"] = f"Imported ticket {number}"
    values["short_description"] = values["short_description"][:160]
    subcategory = values.pop("subcategory", None)
    if subcategory and values.get("category"):
        values["subcategory"] = (values["category"], subcategory)
    assigned = bool(values.get("assignment_group") or values.get("assignee"))
    initial = {
        **values,
        "state": State.ASSIGNED if assigned else State.NEW,
        "on_hold_reason": "",
        "first_responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "cancelled_at": None,
    }
    moves: list[tuple[dt.datetime, dict[str, Any]]] = []
    if times["first_responded_at"]:
        moves.append(
            (
                times["first_responded_at"],
                {"state": State.IN_PROGRESS, "first_responded_at": times["first_responded_at"]},
            )
        )
    if times["resolved_at"]:
        moves.append(
            (times["resolved_at"], {"state": State.RESOLVED, "resolved_at": times["resolved_at"]})
        )
    if times["closed_at"]:
        moves.append((times["closed_at"], {"state": State.CLOSED, "closed_at": times["closed_at"]}))
    if times["cancelled_at"]:
        moves.append(
            (
                times["cancelled_at"],
                {"state": State.CANCELLED, "cancelled_at": times["cancelled_at"]},
            )
        )
    moves.sort(key=lambda move: move[0])
    reached = moves[-1][1]["state"] if moves else initial["state"]
    if final_state and final_state != reached and final_state not in (State.NEW, State.ASSIGNED):
        last_time = moves[-1][0] if moves else opened_at
        moves.append((last_time, {"state": final_state, "on_hold_reason": on_hold_reason}))
    steps = []
    responded = False
    for at, change in moves:
        worked = change["state"] in (State.IN_PROGRESS, State.RESOLVED, State.CLOSED)
        if worked and not responded:  # as in Kaizen: work or a resolution is the first response
            change["first_responded_at"] = times["first_responded_at"] or at
            responded = True
        if change["state"] != State.ON_HOLD:
            change["on_hold_reason"] = ""
        steps.append(ImportedStep(at=max(at, opened_at), actor="", values=change))
    attributes = {
        column: clean(row.values.get(column))
        for column in reader.attributes
        if clean(row.values.get(column)) is not None
    }
    return ImportedIncident(
        number=number,
        opened_at=opened_at,
        values=initial,
        steps=steps,
        opened_by_label=values.get("opened_by") or "",
        source_attributes=attributes,
    )
