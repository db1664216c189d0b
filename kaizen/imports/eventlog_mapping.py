"""An event log's mapping file, and how the run's options read a row's activity, resource and
values: the mapping's tables when given, keywords in the activity's name otherwise.

    source = "helpdesk"                       # kept on each incident; re-runs skip what it made
    resource_kind = "person"                  # an unlisted resource: "person" or "team"
    [activities]                              # the log's activity = Kaizen's state
    "10" = "new"
    "20" = "in_progress"
    "30" = { state = "on_hold", on_hold_reason = "awaiting_caller" }
    "40" = { state = "resolved", resolution = "solved" }
    "50" = "closed"
    "90" = ""                                 # known: kept in the history, moves nothing
    [resources]                               # the log's resource = a person or a team
    "u17" = { person = "Ann Smith" }
    "G2" = { team = "Network" }
    [columns]                                 # channel, priority, impact, urgency = a column
    priority = "prio"
    [values.priority]                         # as in a ticket export's mapping
    P1 = 1
    [defaults]
    channel = "email"

Read and checked with the ticket importer's pieces (kaizen.imports.tickets): the same file
formats, value maps, value checks and `source` rule.
"""

from dataclasses import dataclass
from typing import Any

from kaizen.imports.problems import clean
from kaizen.imports.tickets import (
    NAME_LENGTHS,
    MappingError,
    check_source,
    check_value_maps,
    convert_value,
    read_mapping_file,
)
from kaizen.incidents.models import OnHoldReason, ResolutionCode, State

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
    ("open", State.NEW),
    ("regist", State.NEW),
)
# Fields read from columns the mapping names, through its value maps (as tickets-csv does).
VALUE_FIELDS = ("channel", "priority", "impact", "urgency")
MAPPING_KEYS = (
    "source",
    "activities",
    "resources",
    "resource_kind",
    "columns",
    "values",
    "defaults",
)
RESOURCE_KINDS = {"person": "assignee", "team": "assignment_group"}


@dataclass(frozen=True)
class Move:
    """What an activity does: the state it puts the case in (None: a step of the history that
    changes no field), with the on-hold reason or resolution code the mapping gives."""

    state: State | None
    on_hold_reason: str = ""
    resolution_code: str = ""

    @property
    def label(self) -> str:
        """As the preview names it: "On hold (awaiting caller)", "Resolved (solved)"."""
        if self.state is None:
            return "no state change"
        detail = ""
        if self.on_hold_reason:
            detail = OnHoldReason(self.on_hold_reason).label.lower()
        elif self.resolution_code:
            detail = ResolutionCode(self.resolution_code).label.lower()
        return f"{self.state.label} ({detail})" if detail else str(self.state.label)


def state_for_activity(activity: str) -> State | None:
    lowered = activity.lower()
    for keyword, state in ACTIVITY_STATES:
        if keyword in lowered:
            return state
    return None


# -- the mapping file -------------------------------------------------------------------------


def load_eventlog_mapping(text: str, filename: str = "mapping.toml") -> dict[str, Any]:
    """Read and check an event log's mapping file (TOML, YAML or JSON, read as the ticket
    importer's); the message of a MappingError names the bad key."""
    mapping = read_mapping_file(text, filename)
    unknown = sorted(set(mapping) - set(MAPPING_KEYS))
    if unknown:
        raise MappingError(f"{unknown[0]}: not a section of an event log's mapping")
    check_source(mapping, SOURCE)
    activities = mapping.get("activities", {})
    if not isinstance(activities, dict):
        raise MappingError("activities: must map the log's activities to Kaizen's states")
    for activity, target in activities.items():
        _move_of(target, f"activities.{activity}")
    resources = mapping.get("resources", {})
    if not isinstance(resources, dict):
        raise MappingError("resources: must map the log's resources to people or teams")
    for resource, target in resources.items():
        _resource_of(target, f"resources.{resource}")
    if mapping.get("resource_kind", "person") not in RESOURCE_KINDS:
        raise MappingError('resource_kind: "person" or "team" (what an unlisted resource is)')
    columns = mapping.get("columns", {})
    if not isinstance(columns, dict):
        raise MappingError("columns: must name the log's column for each Kaizen field")
    for name, column in columns.items():
        if name not in VALUE_FIELDS:
            raise MappingError(
                f"columns.{name}: not a field read from a column of an event log (use "
                f"{', '.join(VALUE_FIELDS)}; case, activity, timestamp and resource are named "
                "with the import's options)"
            )
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"columns.{name}: name a column of the log")
    check_value_maps(mapping, columns)
    defaults = mapping.get("defaults", {})
    if not isinstance(defaults, dict):
        raise MappingError("defaults: must be a table of values per field")
    for name, value in defaults.items():
        if name not in VALUE_FIELDS:
            raise MappingError(
                f"defaults.{name}: not a field with a default (use {', '.join(VALUE_FIELDS)})"
            )
        try:
            convert_value(name, value)
        except ValueError as exc:
            raise MappingError(f"defaults.{name}: {exc}") from exc
    return mapping


def source_of(options: dict[str, Any]) -> str:
    """The name a run's incidents are kept under: `--source`, the mapping's, or "eventlog"."""
    named = (options.get("mapping") or {}).get("source")
    return options.get("source") or (str(named).strip() if named else SOURCE)


def _move_of(target: Any, key: str) -> Move:
    """The Move a mapping's activity entry gives: a state's name ("" for none), or a table
    with `state` and `on_hold_reason` or `resolution`."""
    if isinstance(target, str):
        target = {"state": target}
    if not isinstance(target, dict):
        raise MappingError(f"{key}: give a state, or a table with state and on_hold_reason")
    extra = sorted(set(target) - {"state", "on_hold_reason", "resolution"})
    if extra:
        raise MappingError(f"{key}.{extra[0]}: not a key (state, on_hold_reason, resolution)")
    name = str(target.get("state", "")).strip()
    if not name:
        if len(target) > 1:
            raise MappingError(f"{key}: an on-hold reason or resolution needs a state")
        return Move(None)
    if name not in State.values:
        raise MappingError(
            f"{key}: unknown state {name!r}: not one of {', '.join(State.values)} "
            '(or "" for an activity that changes no state)'
        )
    state = State(name)
    reason = str(target.get("on_hold_reason", ""))
    if reason and state != State.ON_HOLD:
        raise MappingError(f"{key}.on_hold_reason: only for the state on_hold")
    if reason and reason not in OnHoldReason.values:
        raise MappingError(
            f"{key}.on_hold_reason: {reason!r} is not one of {', '.join(OnHoldReason.values)}"
        )
    resolution = str(target.get("resolution", ""))
    if resolution and state not in (State.RESOLVED, State.CLOSED):
        raise MappingError(f"{key}.resolution: only for the states resolved and closed")
    if resolution and resolution not in ResolutionCode.values:
        raise MappingError(
            f"{key}.resolution: {resolution!r} is not one of {', '.join(ResolutionCode.values)}"
        )
    return Move(state, reason, resolution)


def _resource_of(target: Any, key: str) -> tuple[str, str]:
    """The field and name a mapping's resource entry gives: {person = "..."} or {team = "..."}."""
    if not isinstance(target, dict) or len(target) != 1:
        raise MappingError(f'{key}: give {{person = "name"}} or {{team = "name"}}')
    [(kind, name)] = target.items()
    if kind not in RESOURCE_KINDS:
        raise MappingError(f"{key}.{kind}: not a key (person or team)")
    name = clean(str(name))
    if name is None:
        raise MappingError(f"{key}.{kind}: give a name")
    field_name = RESOURCE_KINDS[kind]
    if field_name in NAME_LENGTHS and len(name) > NAME_LENGTHS[field_name]:
        raise MappingError(
            f"{key}.{kind}: a team's name is at most {NAME_LENGTHS[field_name]} characters"
        )
    return field_name, name


class Reading:
    """How the run's options (columns, and the mapping when given) read a row's activity,
    resource and values."""

    def __init__(self, options: dict[str, Any]) -> None:
        mapping: dict[str, Any] = options.get("mapping") or {}
        self.mapped = "activities" in mapping
        # Keys as cells are read: text, whitespace runs collapsed (a YAML key may be `10:`).
        self.moves = {
            clean(str(activity)) or "": _move_of(target, "")
            for activity, target in mapping.get("activities", {}).items()
        }
        self.resources = {
            clean(str(resource)) or "": _resource_of(target, "")
            for resource, target in mapping.get("resources", {}).items()
        }
        self.resource_field = RESOURCE_KINDS[mapping.get("resource_kind", "person")]
        self.columns: dict[str, str] = mapping.get("columns", {})
        self.value_maps = check_value_maps(mapping, self.columns)
        self.defaults = {
            name: convert_value(name, value) for name, value in mapping.get("defaults", {}).items()
        }

    def move(self, activity: str) -> Move | None:
        """What the activity does; None when neither the mapping nor a keyword says."""
        if self.mapped:
            return self.moves.get(activity)
        state = state_for_activity(activity)
        return None if state is None else Move(state)

    def resource(self, name: str) -> tuple[str, str]:
        return self.resources.get(name) or (self.resource_field, name)

    def value(self, name: str, text: str) -> Any:
        """The Kaizen value of a cell of the field's column; ValueError says why there is none."""
        text = self.value_maps.get(name, {}).get(text, text)
        return convert_value(name, text)
