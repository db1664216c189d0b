"""What an event log holds, counted over the whole file before anything is written: every
activity and what it does, and the channel, priority, impact and urgency values that will not
be read as the person may expect. The preview shows it; `kaizen import` prints its warnings
before the run and keeps them in the run's summary."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kaizen.imports.eventlog import case_number
from kaizen.imports.eventlog_mapping import VALUE_FIELDS, Reading
from kaizen.imports.problems import clean
from kaizen.imports.reading import Row
from kaizen.incidents.models import Incident

SHOWN_VALUES = 10  # unmapped activities or values a warning names; the rest are counted


@dataclass
class ActivityLine:
    activity: str
    state: str | None  # what it does, as the preview shows it; None: not mapped
    events: int


@dataclass
class LogProfile:
    """The whole log counted: its activities and what they do, and what will be defaulted."""

    cases: int
    events: int
    activities: list[ActivityLine]
    warnings: list[str]


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def _shown(counter: Counter[str]) -> str:
    """'30' (800 events), 'x' (1 event), ... and 4 more"""
    items = [f"{value!r} ({_plural(count, 'event')})" for value, count in counter.most_common()]
    more = len(items) - SHOWN_VALUES
    return ", ".join(items[:SHOWN_VALUES]) + (f" and {more:,} more" if more > 0 else "")


def _value_label(name: str, value: Any) -> str:
    choices = dict(Incident._meta.get_field(name).choices or ())
    return str(choices.get(value, value))


def kaizen_default(name: str) -> Any:
    return Incident._meta.get_field(name).default


def inspect(rows: Iterable[Row], options: dict[str, Any]) -> LogProfile:
    """Count every activity of the log with what it does, and every value of the channel,
    priority, impact and urgency columns Kaizen cannot read; warn of what is not mapped and of
    what will be defaulted. One pass, nothing written: the preview and `kaizen import` say
    the same."""
    reading = Reading(options)
    activities: Counter[str] = Counter()
    cases: dict[str, int] = {}  # case -> a bit per value field it has a usable value of
    unreadable: dict[str, Counter[str]] = {name: Counter() for name in reading.columns}
    fields = list(reading.columns.items())
    for row in rows:
        if "__width__" in row.values:
            continue
        case, _ = case_number(row.values.get(options["case"]))
        activity = clean(row.values.get(options["activity"]))
        if case is None or activity is None:
            continue
        activities[activity] += 1
        mask = cases.get(case, 0)
        for bit, (name, column) in enumerate(fields):
            text = clean(row.values.get(column))
            if text is None:
                continue
            try:
                reading.value(name, text)
            except ValueError:
                unreadable[name][text] += 1
            else:
                mask |= 1 << bit
        cases[case] = mask
    lines = [
        ActivityLine(activity, move.label if move else None, events)
        for activity, events in activities.most_common()
        for move in [reading.move(activity)]
    ]
    warnings = _activity_warnings(lines, reading)
    warnings += _value_warnings(reading, fields, cases, unreadable)
    return LogProfile(len(cases), sum(activities.values()), lines, warnings)


def _activity_warnings(lines: list[ActivityLine], reading: Reading) -> list[str]:
    unmapped = Counter({line.activity: line.events for line in lines if line.state is None})
    if not unmapped:
        return []
    events = sum(line.events for line in lines)
    how = (
        "map them under [activities] in the mapping file"
        if reading.mapped
        else "their names hold no keyword Kaizen knows: give a mapping file with an "
        "[activities] table"
    )
    if len(unmapped) == len(lines):
        head = (
            f"No activity is mapped to a state: the log's "
            f"{_plural(len(lines), 'activity', 'activities')} ({_plural(events, 'event')}) are "
            "kept in the history but move nothing, so every incident stays as it was opened"
        )
    else:
        head = (
            f"{len(unmapped):,} of {len(lines):,} activities are not mapped to a state "
            f"({sum(unmapped.values()):,} of {_plural(events, 'event')}): "
            f"their events are kept in the history but move nothing"
        )
    return [f"{head}; {how}. Not mapped: {_shown(unmapped)}."]


def _value_warnings(
    reading: Reading,
    fields: list[tuple[str, str]],
    cases: dict[str, int],
    unreadable: dict[str, Counter[str]],
) -> list[str]:
    warnings = []
    given = {*reading.columns, *reading.defaults}
    absent = [name for name in VALUE_FIELDS if name not in given]
    if absent:
        defaults = ", ".join(
            f"{name} {_value_label(name, kaizen_default(name))}" for name in absent
        )
        names = ", ".join(absent[:-1]) + (" and " if len(absent) > 1 else "") + absent[-1]
        them = "it" if len(absent) == 1 else "them"
        warnings.append(
            f"{names.capitalize()}: no column of the log gives {them}, so all "
            f"{_plural(len(cases), 'incident')} take Kaizen's default ({defaults}); name the "
            "column under [columns] in the mapping file, or give [defaults]."
        )
    for bit, (name, column) in enumerate(fields):
        if unreadable[name]:
            warnings.append(
                f"{name.capitalize()} (column {column!r}): "
                f"{_plural(sum(unreadable[name].values()), 'event')} "
                f"{'has a value' if sum(unreadable[name].values()) == 1 else 'have values'} "
                f"Kaizen cannot read, ignored: {_shown(unreadable[name])}; map them under "
                f"[values.{name}]."
            )
        missing = sum(1 for mask in cases.values() if not mask & (1 << bit))
        if missing:
            if name in reading.defaults:
                default = f"the mapping's default, {_value_label(name, reading.defaults[name])}"
            else:
                default = f"Kaizen's default, {_value_label(name, kaizen_default(name))}"
            warnings.append(
                f"{name.capitalize()} (column {column!r}): {missing:,} of "
                f"{_plural(len(cases), 'incident')} have no usable value in any of their rows "
                f"and take {default}."
            )
    return warnings
