"""Widgets rendered in Python rather than one template per <option>.

Django renders every option of a <select> through its own template; a filter bar with a few
hundred people in an "Assignee" list spent more time there than in the database (measured in
bench/agent_queue.py). These produce the same HTML directly.
"""

import html
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db.models import Model
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def escaped(value: Any) -> str:
    """conditional_escape without its lazy-string wrapper, which cost more than the escaping
    itself over the few hundred options of a select or the cells of a table."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def fast_format_html(template: str, **values: Any) -> SafeString:
    """format_html(template, **values), the same escaping at a third of the cost."""
    return mark_safe(template.format(**{name: escaped(value) for name, value in values.items()}))


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        options = []
        for choice, label in self.choices:
            option_value = "" if choice is None else str(choice)
            marker = " selected" if option_value in selected else ""
            options.append(
                f'<option value="{escaped(option_value)}"{marker}>{escaped(label)}</option>'
            )
        return format_html(
            "<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options))
        )


def speed_up_selects(form: forms.BaseForm) -> None:
    """Swap each plain single <select> of a form for FastSelect, keeping its attributes."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select or isinstance(widget, forms.NullBooleanSelect):
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast


def _model_choices(field: forms.ModelChoiceField, instances: Iterable[Model]) -> list[Any]:
    """What the field's own choice iterator yields, over instances already loaded."""
    iterator = field.iterator(field)
    choices: list[Any] = []
    if field.empty_label is not None:
        choices.append(("", field.empty_label))
    # django-filter's "no value" choice comes right after the empty one.
    null_label = getattr(field, "null_label", None)
    if null_label is not None:
        choices.append((field.null_value, null_label))
    choices.extend(iterator.choice(instance) for instance in instances)
    return choices


def share_model_choices(*forms_on_page: forms.BaseForm) -> None:
    """Load each model choice list shown by the FastSelects of `forms_on_page` once.

    A select over a queryset runs it each time it renders; the queue page shows the active
    agents and teams in both its filter bar and its bulk bar. Fields over the same query (the
    same SQL) share one list of instances, each with its own values, labels and empty choice.
    Call it once the forms' querysets are final: the choices are fixed from then on.
    """
    loaded: dict[str, list[Model]] = {}
    for form in forms_on_page:
        for field in form.fields.values():
            if not isinstance(field, forms.ModelChoiceField) or not isinstance(
                field.widget, FastSelect
            ):
                continue
            try:
                key = str(field.queryset.query)
            except EmptyResultSet:  # e.g. .none(): nothing to load
                continue
            if key not in loaded:
                loaded[key] = list(field.queryset)
            field.widget.choices = _model_choices(field, loaded[key])
