"""The request form language: what a form version's `fields` may say, and the answers to it.

A form is a list of fields, each a mapping:

- `key`: a name for the answer, letters, digits and underscores, unique in the form;
- `label`, and optionally `help`;
- `type`: text, long_text, number, date, choice, multi_choice, yes_no, person,
  configuration_item or attachment;
- `required` (default false);
- `choices`: the options of a choice or multi_choice field (at least one);
- `show_if`: `{"field": key, "equals": value}` or `{"field": key, "in": [values]}` — the field
  is asked only when an earlier field has that answer (a hidden field's answer is dropped and
  never required);
- validation: `min_length`/`max_length` (text), `pattern` and `pattern_message` (text),
  `min`/`max` (number, and dates as YYYY-MM-DD), `min_choices`/`max_choices` (multi_choice).

Answers are stored as JSON: text as strings, numbers as numbers, dates as YYYY-MM-DD, choices
as the chosen option (a list for multi_choice), yes/no as true/false, people and configuration
items by id, attachments as the list of their file names (the files are the request's
attachments with the field's key).
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import formats

from kaizen.catalog.models import ConfigurationItem
from kaizen.people.models import User

FIELD_TYPES = {
    "text": "Text",
    "long_text": "Long text",
    "number": "Number",
    "date": "Date",
    "choice": "Choice",
    "multi_choice": "Several choices",
    "yes_no": "Yes / no",
    "person": "Person",
    "configuration_item": "Configuration item",
    "attachment": "Attachment",
}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
FIELD_KEYS = {
    "key",
    "label",
    "help",
    "type",
    "required",
    "choices",
    "show_if",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "min",
    "max",
    "min_choices",
    "max_choices",
}
TEXT_MAX = {"text": 250, "long_text": 5000}
MAX_FIELDS = 60


def _as_number(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError from None


def _check_field(field: Any, earlier: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One field in its stored shape, or ValueError with the reason in words."""
    if not isinstance(field, Mapping):
        raise ValueError("give an object with at least key, label and type")
    unknown = set(field) - FIELD_KEYS
    if unknown:
        raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
    key = str(field.get("key") or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValueError("key: lower-case letters, digits and underscores, starting with a letter")
    if key in earlier:
        raise ValueError(f"key: {key!r} is used by another field")
    label = str(field.get("label") or "").strip()
    if not label:
        raise ValueError("label: say what the requester is asked")
    kind = field.get("type")
    if kind not in FIELD_TYPES:
        raise ValueError(f"type: one of {', '.join(FIELD_TYPES)}")
    cleaned: dict[str, Any] = {"key": key, "label": label, "type": kind}
    if str(field.get("help") or "").strip():
        cleaned["help"] = str(field["help"]).strip()
    required = field.get("required", False)
    if not isinstance(required, bool):
        raise ValueError("required: true or false")
    cleaned["required"] = required
    if kind in ("choice", "multi_choice"):
        choices = field.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ValueError("choices: give the options as a list")
        options = [str(choice).strip() for choice in choices]
        if any(not option for option in options):
            raise ValueError("choices: an option cannot be empty")
        if len(set(options)) != len(options):
            raise ValueError("choices: each option once")
        cleaned["choices"] = options
    elif "choices" in field:
        raise ValueError("choices: only for a choice or multi_choice field")
    cleaned.update(_check_limits(field, kind))
    if field.get("show_if") is not None:
        cleaned["show_if"] = _check_condition(field["show_if"], earlier)
    return cleaned


def _check_limits(field: Mapping[str, Any], kind: str) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    allowed = {
        "text": ("min_length", "max_length", "pattern", "pattern_message"),
        "long_text": ("min_length", "max_length"),
        "number": ("min", "max"),
        "date": ("min", "max"),
        "multi_choice": ("min_choices", "max_choices"),
    }.get(kind, ())
    for name in ("min_length", "max_length", "pattern", "pattern_message", "min", "max"):
        if field.get(name) in (None, ""):
            continue
        if name not in allowed:
            raise ValueError(f"{name}: not a setting of a {FIELD_TYPES[kind].lower()} field")
    for name in ("min_choices", "max_choices"):
        if field.get(name) in (None, "") or name in allowed:
            continue
        raise ValueError(f"{name}: not a setting of a {FIELD_TYPES[kind].lower()} field")
    for name in ("min_length", "max_length", "min_choices", "max_choices"):
        value = field.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name}: a whole number, 0 or more")
        limits[name] = value
    if kind in TEXT_MAX and limits.get("max_length", 0) > TEXT_MAX[kind]:
        raise ValueError(f"max_length: at most {TEXT_MAX[kind]} for this type")
    if field.get("pattern"):
        try:
            re.compile(str(field["pattern"]))
        except re.error as error:
            raise ValueError(f"pattern: not a valid regular expression ({error})") from None
        limits["pattern"] = str(field["pattern"])
        if field.get("pattern_message"):
            limits["pattern_message"] = str(field["pattern_message"])
    for name in ("min", "max"):
        value = field.get(name)
        if value in (None, ""):
            continue
        try:
            limits[name] = (
                str(_as_number(value)) if kind == "number" else _as_date(value).isoformat()
            )
        except ValueError:
            what = "a number" if kind == "number" else "a date as YYYY-MM-DD"
            raise ValueError(f"{name}: {what}") from None
    for low, high in (("min_length", "max_length"), ("min_choices", "max_choices")):
        if low in limits and high in limits and limits[low] > limits[high]:
            raise ValueError(f"{low}: cannot be more than {high}")
    if "min" in limits and "max" in limits:
        convert = _as_number if kind == "number" else _as_date
        if convert(limits["min"]) > convert(limits["max"]):
            raise ValueError("min: cannot be more than max")
    return limits


def _check_condition(condition: Any, earlier: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    if not isinstance(condition, Mapping) or "field" not in condition:
        raise ValueError('show_if: {"field": key, "equals": value} or {"field": key, "in": [...]}')
    key = condition["field"]
    if key not in earlier:
        raise ValueError(f"show_if: {key!r} is not a field before this one")
    if ("equals" in condition) == ("in" in condition):
        raise ValueError('show_if: give "equals" or "in", not both')
    values = [condition["equals"]] if "equals" in condition else condition["in"]
    if not isinstance(values, list) or not values:
        raise ValueError('show_if: "in" takes a list of values')
    other = earlier[key]
    if other["type"] in ("choice", "multi_choice"):
        strange = [value for value in values if value not in other["choices"]]
        if strange:
            raise ValueError(f"show_if: {strange[0]!r} is not an option of {key!r}")
    elif other["type"] == "yes_no":
        if any(not isinstance(value, bool) for value in values):
            raise ValueError(f"show_if: {key!r} is a yes/no field: compare with true or false")
    elif other["type"] not in ("text", "number"):
        raise ValueError(f"show_if: a condition cannot test a {other['type']} field")
    key_name = "equals" if "equals" in condition else "in"
    return {"field": key, key_name: condition[key_name]}


def clean_fields(fields: Any) -> list[dict[str, Any]]:
    """The form's fields checked and in their stored shape; ValidationError on `fields` naming
    the field ("field 2 (model): choices: ...")."""
    if not isinstance(fields, list):
        raise ValidationError({"fields": "give the form's fields as a list"})
    if len(fields) > MAX_FIELDS:
        raise ValidationError({"fields": f"a form has at most {MAX_FIELDS} fields"})
    cleaned: dict[str, dict[str, Any]] = {}
    for position, field in enumerate(fields, start=1):
        try:
            one = _check_field(field, cleaned)
        except ValueError as error:
            name = field.get("key") if isinstance(field, Mapping) else None
            where = f"field {position} ({name})" if name else f"field {position}"
            raise ValidationError({"fields": f"{where}: {error}"}) from None
        cleaned[one["key"]] = one
    return list(cleaned.values())


def is_shown(field: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether the requester is asked this field, given the answers so far."""
    condition = field.get("show_if")
    if not condition:
        return True
    wanted = [condition["equals"]] if "equals" in condition else condition["in"]
    answer = answers.get(condition["field"])
    if isinstance(answer, list):
        return any(item in wanted for item in answer)
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return any(_same_number(answer, value) for value in wanted)
    return answer in wanted


def _same_number(answer: float, value: Any) -> bool:
    try:
        return _as_number(answer) == _as_number(value)
    except ValueError:
        return False


def _empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def _clean_text(field: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    limit = field.get("max_length") or TEXT_MAX[field["type"]]
    if len(text) > limit:
        raise ValueError(f"at most {limit} characters (this has {len(text)})")
    if len(text) < field.get("min_length", 0):
        raise ValueError(f"at least {field['min_length']} characters")
    if field.get("pattern") and not re.fullmatch(field["pattern"], text):
        raise ValueError(field.get("pattern_message") or "not in the expected form")
    return text


def _clean_number(field: Mapping[str, Any], value: Any) -> int | float:
    try:
        number = _as_number(value)
    except ValueError:
        raise ValueError("a number, e.g. 3 or 2.5") from None
    if "min" in field and number < Decimal(field["min"]):
        raise ValueError(f"at least {field['min']}")
    if "max" in field and number > Decimal(field["max"]):
        raise ValueError(f"at most {field['max']}")
    return int(number) if number == number.to_integral_value() else float(number)


def _clean_date(field: Mapping[str, Any], value: Any) -> str:
    try:
        day = _as_date(value)
    except ValueError:
        raise ValueError("a date, e.g. 2026-03-31") from None
    if "min" in field and day < _as_date(field["min"]):
        raise ValueError(f"on or after {_day_text(field['min'])}")
    if "max" in field and day > _as_date(field["max"]):
        raise ValueError(f"on or before {_day_text(field['max'])}")
    return day.isoformat()


def _clean_choice(field: Mapping[str, Any], value: Any) -> str | list[str]:
    if field["type"] == "choice":
        if value not in field["choices"]:
            raise ValueError(f"choose one of: {', '.join(field['choices'])}")
        return str(value)
    chosen = value if isinstance(value, list) else [value]
    strange = [item for item in chosen if item not in field["choices"]]
    if strange:
        raise ValueError(f"{strange[0]!r} is not an option")
    ordered = [option for option in field["choices"] if option in chosen]
    if len(ordered) < field.get("min_choices", 0):
        raise ValueError(f"choose at least {field['min_choices']}")
    if "max_choices" in field and len(ordered) > field["max_choices"]:
        raise ValueError(f"choose at most {field['max_choices']}")
    return ordered


def _clean_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off"):
        return False
    raise ValueError("yes or no")


def _whole_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError


@dataclass
class CleanedAnswers:
    """The answers to store, and the files to attach under each attachment field's key."""

    answers: dict[str, Any]
    files: dict[str, list[UploadedFile]]


def clean_answers(
    fields: Iterable[Mapping[str, Any]],
    data: Mapping[str, Any],
    files: Mapping[str, list[UploadedFile]] | None = None,
) -> CleanedAnswers:
    """The answers to a form version, checked; ValidationError keyed by field key. `data`
    holds plain values (a form's or the API's); `files` the uploads of attachment fields."""
    fields = list(fields)
    files = files or {}
    answers: dict[str, Any] = {}
    uploads: dict[str, list[UploadedFile]] = {}
    errors: dict[str, str] = {}
    unknown = set(data) - {field["key"] for field in fields}
    for key in sorted(unknown):
        errors[key] = "this form has no such field"
    people_ids: dict[str, int] = {}
    ci_ids: dict[str, int] = {}
    for field in fields:
        key, kind = field["key"], field["type"]
        if not is_shown(field, answers):
            continue  # asked only when an earlier answer calls for it: dropped if given
        if kind == "attachment":
            given = [upload for upload in files.get(key, []) if upload]
            if given:
                uploads[key] = given
                answers[key] = [upload.name for upload in given]
            elif field["required"]:
                errors[key] = "attach a file"
            continue
        value = data.get(key)
        if _empty(value) and not (kind == "yes_no" and value is False):
            if field["required"]:
                errors[key] = "this field is required"
            continue
        try:
            if kind in TEXT_MAX:
                answers[key] = _clean_text(field, value)
            elif kind == "number":
                answers[key] = _clean_number(field, value)
            elif kind == "date":
                answers[key] = _clean_date(field, value)
            elif kind in ("choice", "multi_choice"):
                answers[key] = _clean_choice(field, value)
            elif kind == "yes_no":
                answers[key] = _clean_yes_no(value)
            elif kind == "person":
                people_ids[key] = answers[key] = _whole_id(value)
            elif kind == "configuration_item":
                ci_ids[key] = answers[key] = _whole_id(value)
        except ValueError as error:
            message = str(error) or (
                "choose a person" if kind == "person" else "choose a configuration item"
            )
            errors[key] = message
    # One query each for the people and the items named, whatever the number of fields.
    if people_ids:
        active = set(
            User.objects.filter(pk__in=people_ids.values(), is_active=True).values_list(
                "pk", flat=True
            )
        )
        for key, pk in people_ids.items():
            if pk not in active:
                errors[key] = f"no active person with id {pk}"
    if ci_ids:
        known = set(
            ConfigurationItem.objects.filter(pk__in=ci_ids.values()).values_list("pk", flat=True)
        )
        for key, pk in ci_ids.items():
            if pk not in known:
                errors[key] = f"no configuration item with id {pk}"
    if errors:
        raise ValidationError(errors)
    return CleanedAnswers(answers=answers, files=uploads)


def _day_text(value: str) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "j M Y")


@dataclass(frozen=True)
class AnswerLine:
    key: str
    label: str
    text: str


def describe_answers(
    fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]
) -> list[AnswerLine]:
    """The answers as a person reads them, in the form's order (people and items by name, in
    one query each); fields not asked are left out."""
    fields = [field for field in fields if field["key"] in answers]
    people = {
        user.pk: str(user)
        for user in User.objects.filter(
            pk__in=[answers[f["key"]] for f in fields if f["type"] == "person"]
        )
    }
    items = {
        ci.pk: str(ci)
        for ci in ConfigurationItem.objects.filter(
            pk__in=[answers[f["key"]] for f in fields if f["type"] == "configuration_item"]
        )
    }
    lines = []
    for field in fields:
        value, kind = answers[field["key"]], field["type"]
        if kind == "yes_no":
            text = "Yes" if value else "No"
        elif kind == "date":
            text = _day_text(value)
        elif kind in ("multi_choice", "attachment"):
            text = ", ".join(value)
        elif kind == "person":
            text = people.get(value, f"person {value} (removed)")
        elif kind == "configuration_item":
            text = items.get(value, f"item {value} (removed)")
        else:
            text = str(value)
        lines.append(AnswerLine(field["key"], field["label"], text))
    return lines
