"""Journal events as people read them: field labels, choice labels, related records by name and
times as real times (shown with the `when` filter, in the reader's time zone).

The journal keeps raw values (`in_progress`, `2026-03-06T13:05:09.123456+00:00`, a related
record as `{"id", "repr"}`) so machines can replay it; the pages show "State: New → In
progress". Everything is read from the model of each event's subject content type (field
verbose names, choices, relations), so no process has to describe its fields again and the
journal imports none of them. Related records stored as a bare id are named with one query per
related model for the whole page, however many events it shows.

What the subject's model cannot say (the keys of an event's `data`, changes that describe
another model than the subject, an event that creates its subject) each app registers from its
own `event_shapes.py`, found at start-up the way navigation.py is (`register_event_shape`): a KPI
key named from the KPI library, a dimension by its label, a comment by its text with a link.
A registered namer is called once per page with every value it is asked about, so a page of
events costs the same number of queries however many events it shows.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst

from kaizen.core.times import local_text
from kaizen.journal.models import JournalEvent

# Texts longer than this are cut on the page (descriptions, resolution notes): the whole
# value stays in the journal and the API.
MAX_TEXT = 200
# An ISO date and time, or date, as to_journal_value writes them, in a value no model field
# describes (data of an event, a field since removed).
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Change:
    """One line of an event: "Assignee: (none) → Ada Lovelace". `old` and `new` are text, a
    datetime or date (the template shows it with `when`), or None for no value."""

    label: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Detail:
    """What an event carries besides field changes (`data`): "Member: Ada Lovelace"."""

    label: str
    value: Any


@dataclass(frozen=True, slots=True)
class Link:
    """A value shown as a link to its page ("Restarted the VPN client…" -> the comment)."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


# Raw values (as text) -> what they read as, for a whole page at once; the second argument
# is the reader (None when unknown), so a namer links or shows only what they may see.
Namer = Callable[[set[str], Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Key:
    """How one key of an event's data (or a change not describing a model field) reads.

    `names` names raw values (a scalar, each item of a list, each key of a mapping) in bulk;
    `choices` gives labels to values (of a scalar, of list items, of a mapping's values);
    `span` reads a [start, end] pair as "1 Mar 2026 – 31 Mar 2026"; `text` turns a scalar
    into its text (a percentage, a file size), or the whole value with `whole`; `hidden` leaves
    the key out (an id another key already names)."""

    label: str | None = None
    hidden: bool = False
    names: Namer | None = None
    choices: Mapping[str, str] | None = None
    span: bool = False
    text: Callable[[Any], str] | None = None
    # `text` reads the whole value, a list or mapping included (a problem's analysis).
    whole: bool = False


@dataclass(frozen=True)
class EventShape:
    """What the subject's model cannot say about one event type."""

    changes_model: type[models.Model] | None = None  # the model `changes` describes
    data_model: type[models.Model] | None = None  # the model `data`'s keys are fields of
    keys: Mapping[str, Key] = field(default_factory=dict)  # `data`'s keys
    change_keys: Mapping[str, Key] = field(default_factory=dict)  # `changes`' names
    creates: bool = False  # a creation: its changes read as the values set


_shapes: dict[str, EventShape] = {}
_NO_SHAPE = EventShape()


def register_event_shape(
    *event_types: str,
    changes_model: type[models.Model] | None = None,
    data_model: type[models.Model] | None = None,
    keys: Mapping[str, Key] | None = None,
    change_keys: Mapping[str, Key] | None = None,
    creates: bool = False,
) -> None:
    """How events of these types read, for what their subject's model cannot say (called
    from each app's event_shapes.py): `keys` for the keys of their data, `change_keys` for
    changed fields the model's own labels do not say well."""
    shape = EventShape(
        changes_model, data_model, dict(keys or {}), dict(change_keys or {}), creates
    )
    for event_type in event_types:
        _shapes[str(event_type)] = shape


def event_shape(event_type: str) -> EventShape:
    return _shapes.get(str(event_type), _NO_SHAPE)


def registered_shapes() -> dict[str, EventShape]:
    return dict(_shapes)


def _label(field: models.Field | None, name: str) -> str:
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " "))


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    """The subject model's own field of that name (not a reverse relation: a data key such as
    "comment" names no field of the incident)."""
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _moment(value: str, field: Any) -> Any:
    """A stored ISO text as a datetime (or date); the text itself if it does not parse."""
    try:
        if isinstance(field, models.DateTimeField) or (field is None and ISO_MOMENT.match(value)):
            return dt.datetime.fromisoformat(value)
        if isinstance(field, models.DateField) or (field is None and ISO_DATE.match(value)):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    return value


def _text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class _Names:
    """Related records stored as a bare id, named in one query per related model; values of
    registered keys, named by their namer in one call each."""

    def __init__(self, reader: Any = None) -> None:
        self.reader = reader
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, models.Model]] = {}
        self.asked: dict[Namer, set[str]] = defaultdict(set)
        self.named: dict[Namer, Mapping[str, Any]] = {}

    def want(self, field: Any, value: Any) -> None:
        if field is None or not field.is_relation or field.related_model is None:
            return
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int | str) and not isinstance(item, bool) and item != "":
                self.wanted[field.related_model].add(item)

    def want_keyed(self, key: Key, value: Any) -> None:
        if key.names is None or _is_empty(value) or key.span:
            return
        items = value if isinstance(value, list | dict) else [value]
        for item in items:  # a mapping's keys
            if not isinstance(item, dict | list) and not _is_empty(item):
                self.asked[key.names].add(str(item))

    def load(self) -> None:
        for model, ids in self.wanted.items():
            self.found[model] = {
                str(pk): record
                for pk, record in model._default_manager.order_by().in_bulk(ids).items()
            }
        for namer, raw in self.asked.items():
            self.named[namer] = namer(raw, self.reader)

    def name(self, field: Any, item: Any) -> str:
        record = self.found.get(field.related_model, {}).get(str(item))
        if record is None:
            return f"#{item} (removed)"
        return str(record)

    def keyed(self, key: Key, item: Any) -> tuple[bool, Any]:
        """(whether the key says how the item reads, what it reads as); a `text` of None
        leaves the item out (a "No" nobody needs to read)."""
        if key.names is not None:
            named = self.named.get(key.names, {}).get(str(item))
            if named is not None:
                return True, named
        if key.choices is not None and str(item) in key.choices:
            return True, str(key.choices[str(item)])
        if key.text is not None:
            return True, key.text(item)
        return False, None


def _part(value: Any) -> str:
    """One item of a list, in the list's one line of text."""
    return local_text(value) if isinstance(value, dt.date) else str(value)


def _value(value: Any, field: Any, names: _Names) -> Any:
    """A journal value as shown: None for no value, a datetime or date, or text."""
    if _is_empty(value):
        return None
    if isinstance(value, list):
        parts = [_value(item, field, names) for item in value]
        return _text(", ".join(_part(part) for part in parts if part is not None)) or None
    if isinstance(value, dict):
        if "repr" in value:
            return _text(value["repr"])
        return _text("; ".join(f"{key}: {item}" for key, item in value.items()))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and not isinstance(field, models.DecimalField):
        return f"{value:.6g}"  # a computed figure (0.9583589957511579 reads 0.958359)
    if field is not None and field.is_relation and field.related_model is not None:
        return names.name(field, value)
    choices = getattr(field, "flatchoices", None) if field is not None else None
    if choices:
        labels = {str(key): label for key, label in choices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str):
        moment = _moment(value, field)
        if moment is not value:
            return moment
    return _text(value)


def _keyed_item(item: Any, key: Key, names: _Names) -> Any:
    said, shown = names.keyed(key, item)
    return shown if said else _value(item, None, names)


def _keyed_value(value: Any, key: Key, names: _Names) -> Any:
    """A value of a registered key: named, labelled or formatted as the key says; a single
    named value keeps its link, a list or mapping reads as one line of text."""
    if _is_empty(value):
        return None
    if key.whole and key.text is not None:
        return _text(key.text(value))
    if key.span and isinstance(value, list):
        ends = [_value(item, None, names) for item in value]
        if all(end is None for end in ends):
            return None
        return " – ".join("…" if end is None else _part(end) for end in ends)
    if isinstance(value, dict) and "repr" not in value:
        parts = [
            f"{_part(_keyed_item(name, key, names))}: "
            f"{_part(_keyed_item(item, key, names) if key.choices else _value(item, None, names))}"
            for name, item in value.items()
        ]
        return _text("; ".join(parts)) or None
    if isinstance(value, list):
        parts = [_keyed_item(item, key, names) for item in value if not _is_empty(item)]
        return _text(", ".join(_part(part) for part in parts if part is not None)) or None
    if isinstance(value, dict):
        return _text(value["repr"])
    return _keyed_item(value, key, names)


def _subject_model(event: JournalEvent) -> type[models.Model] | None:
    """The subject's model: from the selected content type (the audit list), else from
    ContentType's cache (one query per content type per process, none per event)."""
    content_type = event._state.fields_cache.get("subject_type")
    if content_type is None:
        content_type = ContentType.objects.get_for_id(event.subject_type_id)
    return content_type.model_class()


def _in_field_order(
    model: type[models.Model] | None,
    items: Iterable[tuple[str, Any]],
    first: Sequence[str] = (),
) -> list:
    """(name, value) pairs in the order `first` gives (a registration's keys), then in the
    model's field order, other names after them in alphabetical order: the same lines in the
    same order on every database (PostgreSQL's jsonb does not keep the order the keys were
    written in)."""
    order: dict[str, int] = {name: position - len(first) for position, name in enumerate(first)}
    if model is not None:
        for position, field in enumerate(model._meta.concrete_fields):
            order.setdefault(field.name, position)
            order.setdefault(field.attname, position)
    return sorted(items, key=lambda item: (item[0] not in order, order.get(item[0], 0), item[0]))


def present_events(events: Sequence[JournalEvent], reader: Any = None) -> Sequence[JournalEvent]:
    """Give each event `readable_changes` (Change lines), `readable_data` (Detail lines),
    `is_creation` (its changes are the values set), `actor_name` and `subject_label`
    ("Incident"), for a page of events at once; `reader` is who reads them (namers link or
    show only what they may see).

    A field with no value before nor after (most of a creation event's fields) is left out.
    """
    names = _Names(reader)
    plans: list[tuple[JournalEvent, Any, Any, EventShape, list, list]] = []
    for event in events:
        subject_model = _subject_model(event)
        shape = event_shape(event.event_type)
        model = shape.changes_model or subject_model
        data_model = shape.data_model or subject_model
        keys = shape.change_keys
        changes = []
        for name, change in _in_field_order(model, (event.changes or {}).items(), list(keys)):
            if not isinstance(change, dict):  # not the journal's shape: show it as the new value
                change = {"new": change}
            old, new = change.get("old"), change.get("new")
            if _is_empty(old) and _is_empty(new) or name in keys and keys[name].hidden:
                continue
            if name in keys:
                names.want_keyed(keys[name], old)
                names.want_keyed(keys[name], new)
            else:
                field = _field(model, name)
                names.want(field, old)
                names.want(field, new)
            changes.append((name, old, new))
        keys = shape.keys
        details = []
        for key, value in _in_field_order(data_model, (event.data or {}).items(), list(keys)):
            if key in keys:
                if keys[key].hidden:
                    continue
                names.want_keyed(keys[key], value)
            else:
                names.want(_field(data_model, key), value)
            details.append((key, value))
        plans.append((event, subject_model, (model, data_model), shape, changes, details))
    names.load()
    for event, subject_model, (model, data_model), shape, changes, details in plans:
        event.readable_changes = [
            Change(
                _shown_label(shape.change_keys, model, name),
                _shown_value(shape.change_keys, model, name, old, names),
                _shown_value(shape.change_keys, model, name, new, names),
            )
            for name, old, new in changes
        ]
        event.readable_data = [
            Detail(
                _shown_label(shape.keys, data_model, key),
                _shown_value(shape.keys, data_model, key, value, names),
            )
            for key, value in details
        ]
        event.readable_data = [detail for detail in event.readable_data if detail.value is not None]
        event.is_creation = shape.creates
        event.actor_name = _actor_name(event)
        event.subject_label = (
            capfirst(str(subject_model._meta.verbose_name)) if subject_model else ""
        )
    return events


def _shown_label(keys: Mapping[str, Key], model: Any, name: str) -> str:
    key = keys.get(name)
    if key is not None and key.label:
        return key.label
    return _label(_field(model, name), name)


def _shown_value(keys: Mapping[str, Key], model: Any, name: str, value: Any, names: _Names) -> Any:
    key = keys.get(name)
    if key is not None:
        return _keyed_value(value, key, names)
    return _value(value, _field(model, name), names)


def _actor_name(event: JournalEvent) -> str:
    """The actor as pages name people (the full name) while the account exists; the name
    recorded with the event otherwise. Callers select_related("actor")."""
    actor = event._state.fields_cache.get("actor") if event.actor_id else None
    return str(actor) if actor is not None else event.actor_repr


def present(events: Iterable[JournalEvent], reader: Any = None) -> list[JournalEvent]:
    return list(present_events(list(events), reader))
