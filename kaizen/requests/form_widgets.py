"""The request form a requester fills, built from a form version's fields (form_schema.py):
one Django field per form field, with its label, help, required mark and the condition under
which it is asked (the page's script shows and hides it; form_schema enforces it).

The Django fields only collect what was typed or chosen: every check (required, limits,
conditions) is form_schema.clean_answers', so the page and the API refuse the same answers
with the same words, on the field they name.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from kaizen.catalog.models import ConfigurationItem
from kaizen.core.forms import StyledFormMixin
from kaizen.core.widgets import FastSelect
from kaizen.people.models import User

# A choice with at most this many options is shown as radio buttons, more as a list.
RADIO_LIMIT = 5
YES_NO = [("yes", "Yes"), ("no", "No")]


def _people_choices() -> list[tuple[str, str]]:
    people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return [("", "—")] + [(str(person.pk), str(person)) for person in people]


def _item_choices() -> list[tuple[str, str]]:
    items = ConfigurationItem.objects.order_by("name").only("id", "name")
    return [("", "—")] + [(str(item.pk), str(item)) for item in items]


def _django_field(field: Mapping[str, Any], lists: dict[str, Any]) -> forms.Field:
    kind = field["type"]
    options: dict[str, Any] = {
        "label": field["label"],
        "help_text": field.get("help", ""),
        "required": False,  # form_schema decides (a hidden field is never required)
    }
    if kind == "text":
        attrs = {"maxlength": field.get("max_length", 250)}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), strip=False, **options)
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=False, **options)
    if kind == "number":
        attrs = {"step": "any", "inputmode": "decimal"}
        attrs.update({name: field[name] for name in ("min", "max") if name in field})
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **options)
    if kind == "date":
        attrs = {"type": "date"}
        attrs.update({name: field[name] for name in ("min", "max") if name in field})
        return forms.CharField(widget=forms.DateInput(attrs=attrs), **options)
    if kind == "choice":
        choices = [(option, option) for option in field["choices"]]
        if len(choices) <= RADIO_LIMIT:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
        return forms.ChoiceField(choices=[("", "—"), *choices], **options)
    if kind == "multi_choice":
        choices = [(option, option) for option in field["choices"]]
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **options
        )
    if kind == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **options)
    if kind == "person":
        if "people" not in lists:
            lists["people"] = _people_choices()
        return forms.ChoiceField(choices=lists["people"], widget=FastSelect, **options)
    if kind == "configuration_item":
        if "items" not in lists:
            lists["items"] = _item_choices()
        return forms.ChoiceField(choices=lists["items"], widget=FastSelect, **options)
    return forms.FileField(**options)  # attachment


def _condition_values(field: Mapping[str, Any]) -> list[str]:
    """The answers (as the browser sees them) that make a conditional field asked."""
    condition = field["show_if"]
    values = [condition["equals"]] if "equals" in condition else condition["in"]
    return [("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values]


class RequestAnswersForm(StyledFormMixin, forms.Form):
    """The answers to one form version. `answers()` gives them checked (form_schema), or puts
    each refusal on the field it names and returns None."""

    def __init__(self, schema: Sequence[Mapping[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = list(schema)
        lists: dict[str, Any] = {}
        for field in self.schema:
            django_field = _django_field(field, lists)
            django_field.kz_required = field.get("required", False)  # type: ignore[attr-defined]
            django_field.kz_kind = field["type"]  # type: ignore[attr-defined]
            self.fields[field["key"]] = django_field
        # The fields were added after StyledFormMixin styled the form's (none): each widget
        # gets its Bootstrap class here; radios and checkboxes are rendered one by one.
        for django_field in self.fields.values():
            widget = django_field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css
        for field in self.schema:
            if field.get("show_if"):
                condition = self.fields[field["key"]]
                condition.kz_show_if = field["show_if"]["field"]  # type: ignore[attr-defined]
                condition.kz_show_values = json.dumps(  # type: ignore[attr-defined]
                    _condition_values(field)
                )

    def answers(self) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        """What was typed and chosen, as do_submit_request takes it (`answers`, `files`);
        None when the browser sent something no field takes."""
        if not self.is_valid():
            return None
        data: dict[str, Any] = {}
        files: dict[str, list[Any]] = {}
        for field in self.schema:
            value = self.cleaned_data.get(field["key"])
            if field["type"] == "attachment":
                if value:
                    files[field["key"]] = [value]
            elif field["type"] == "yes_no":
                if value:
                    data[field["key"]] = value == "yes"
            elif value not in (None, "", []):
                data[field["key"]] = value
        return data, files
