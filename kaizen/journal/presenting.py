"""Journal events as people read them: field labels, choice labels, related records by name and
times as real times (shown with the `when` filter, in the reader's time zone).

The journal keeps raw values (`in_progress`, `2026-03-06T13:05:09.123456+00:00`, a related
record as `{"id", "repr"}`) so machines can replay it; the pages show "State: New → In
progress". Everything is read from the model of each event's subject content type (field
verbose names, choices, relations), so no process has to describe its fields again and the
journal imports none of them. Related records stored as a bare id are named with one query per
related model for the whole page, however many events it shows.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
    """Related records stored as a bare id, named in one query per related model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, models.Model]] = {}

    def want(self, field: Any, value: Any) -> None:
        if field is None or not field.is_relation or field.related_model is None:
            return
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int | str) and not isinstance(item, bool) and item != "":
                self.wanted[field.related_model].add(item)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            self.found[model] = {
                str(pk): record
                for pk, record in model._default_manager.order_by().in_bulk(ids).items()
            }

    def name(self, field: Any, item: Any) -> str:
        record = self.found.get(field.related_model, {}).get(str(item))
        if record is None:
            return f"#{item} (removed)"
        return str(record)


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


def _subject_model(event: JournalEvent) -> type[models.Model] | None:
    """The subject's model: from the selected content type (the audit list), else from
    ContentType's cache (one query per content type per process, none per event)."""
    content_type = event._state.fields_cache.get("subject_type")
    if content_type is None:
        content_type = ContentType.objects.get_for_id(event.subject_type_id)
    return content_type.model_class()


def _in_field_order(model: type[models.Model] | None, items: Iterable[tuple[str, Any]]) -> list:
    """(name, value) pairs in the subject model's field order, other names after them in
    alphabetical order: the same lines in the same order on every database (PostgreSQL's
    jsonb does not keep the order the keys were written in)."""
    order: dict[str, int] = {}
    if model is not None:
        for position, field in enumerate(model._meta.concrete_fields):
            order.setdefault(field.name, position)
            order.setdefault(field.attname, position)
    return sorted(items, key=lambda item: (item[0] not in order, order.get(item[0], 0), item[0]))


def present_events(events: Sequence[JournalEvent]) -> Sequence[JournalEvent]:
    """Give each event `readable_changes` (Change lines), `readable_data` (Detail lines),
    `actor_name` and `subject_label` ("Incident"), for a page of events at once.

    A field with no value before nor after (most of a creation event's fields) is left out.
    """
    names = _Names()
    plans: list[tuple[JournalEvent, Any, list[tuple[str, Any, Any]], list[tuple[str, Any]]]] = []
    for event in events:
        model = _subject_model(event)
        changes = []
        for name, change in _in_field_order(model, (event.changes or {}).items()):
            if not isinstance(change, dict):  # not the journal's shape: show it as the new value
                change = {"new": change}
            old, new = change.get("old"), change.get("new")
            if _is_empty(old) and _is_empty(new):
                continue
            field = _field(model, name)
            names.want(field, old)
            names.want(field, new)
            changes.append((name, old, new))
        details = _in_field_order(model, (event.data or {}).items())
        for key, value in details:
            names.want(_field(model, key), value)
        plans.append((event, model, changes, details))
    names.load()
    for event, model, changes, details in plans:
        readable = []
        for name, old, new in changes:
            field = _field(model, name)
            readable.append(
                Change(_label(field, name), _value(old, field, names), _value(new, field, names))
            )
        event.readable_changes = readable
        event.readable_data = [
            Detail(_label(_field(model, key), key), _value(value, _field(model, key), names))
            for key, value in details
        ]
        event.actor_name = _actor_name(event)
        event.subject_label = capfirst(str(model._meta.verbose_name)) if model else ""
    return events


def _actor_name(event: JournalEvent) -> str:
    """The actor as pages name people (the full name) while the account exists; the name
    recorded with the event otherwise. Callers select_related("actor")."""
    actor = event._state.fields_cache.get("actor") if event.actor_id else None
    return str(actor) if actor is not None else event.actor_repr


def present(events: Iterable[JournalEvent]) -> list[JournalEvent]:
    return list(present_events(list(events)))
