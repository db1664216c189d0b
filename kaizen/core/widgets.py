"""Widgets rendered in Python rather than one template per <option>.

Django renders every option of a <select> through its own template; a filter bar with a few
hundred people in an "Assignee" list spent more time there than in the database (measured in
bench/agent_queue.py). These produce the same HTML directly.
"""

import html
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


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
    """A select whose options are formatted in Python; over a model's rows (see
    share_model_choices) they are formatted once per content of the list, not per request."""

    option_list: "OptionList | None" = None  # set by share_model_choices

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        if self.option_list is None:
            options = _options(self.choices, selected)
        else:
            options = _options(self.option_list.leading, selected) + self.option_list.render(
                selected
            )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))


def _option(value: str, label: Any, selected: bool) -> str:
    marker = " selected" if selected else ""
    return f'<option value="{escaped(value)}"{marker}>{escaped(label)}</option>'


def _options(choices: Iterable[tuple[Any, Any]], selected: set[str]) -> str:
    parts = []
    for choice, label in choices:
        value = "" if choice is None else str(choice)
        parts.append(_option(value, label, value in selected))
    return "".join(parts)


def speed_up_selects(form: forms.BaseForm) -> None:
    """Swap each plain single <select> of a form for FastSelect, keeping its attributes."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select or isinstance(widget, forms.NullBooleanSelect):
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast


@dataclass(frozen=True)
class OptionList:
    """A model choice list's options: `leading` are the field's own empty and "no value"
    choices; the rows' options are formatted once and shared by every field and request
    that shows the same rows."""

    leading: tuple[tuple[Any, Any], ...]
    shared: "SharedOptions"

    def render(self, selected: set[str]) -> str:
        return self.shared.render(selected)


@dataclass(frozen=True)
class SharedOptions:
    values: tuple[str, ...]
    labels: tuple[str, ...]
    html: str  # every option, none selected

    def render(self, selected: set[str]) -> str:
        if not selected.intersection(self.values):
            return self.html
        return "".join(
            _option(value, label, value in selected)
            for value, label in zip(self.values, self.labels, strict=True)
        )


# Formatted row options by what determines them: the model, the columns loaded, the rows'
# values in order, and the field's value and label rules. The rows are read on every request,
# so a list never shows a stale name; what is saved is building a model instance, a label and
# an escaped <option> for each of hundreds of agents, twice per queue page
# (bench/agent_queue.py).
_SHARED_OPTIONS: OrderedDict[tuple[Any, ...], SharedOptions] = OrderedDict()
_SHARED_OPTIONS_LIMIT = 128


def _loaded_fields(queryset: QuerySet[Any]) -> list[Any]:
    """The concrete fields the queryset loads (all, or those of .only()/.defer())."""
    names, defer = queryset.query.deferred_loading

    def loaded(field: Any) -> bool:
        named = field.name in names or field.attname in names
        return field.primary_key or named != defer

    return [field for field in queryset.model._meta.concrete_fields if loaded(field)]


def _leading_choices(field: forms.ModelChoiceField) -> tuple[tuple[Any, Any], ...]:
    leading: list[tuple[Any, Any]] = []
    if field.empty_label is not None:
        leading.append(("", field.empty_label))
    # django-filter's "no value" choice comes right after the empty one.
    null_label = getattr(field, "null_label", None)
    if null_label is not None:
        leading.append((field.null_value, null_label))
    return tuple(leading)


class _CountQueries:
    """A database execute wrapper that counts the queries run through it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _format_options(
    field: forms.ModelChoiceField, fields: list[Any], rows: tuple[tuple[Any, ...], ...]
) -> tuple[SharedOptions, bool]:
    """The rows' options, and whether their labels came from the rows alone (a label that
    read another table, e.g. a parent's name, cannot be kept: that table may change)."""
    model, database = field.queryset.model, field.queryset.db
    attnames = [f.attname for f in fields]
    counter = _CountQueries()
    values, labels = [], []
    with connections[database].execute_wrapper(counter):
        for row in rows:
            instance = model.from_db(database, attnames, row)
            values.append(str(field.prepare_value(instance)))
            labels.append(str(field.label_from_instance(instance)))
    markup = "".join(
        _option(value, label, False) for value, label in zip(values, labels, strict=True)
    )
    return SharedOptions(tuple(values), tuple(labels), markup), counter.count == 0


def _shared_options(
    field: forms.ModelChoiceField, rows_by_query: dict[Any, tuple[tuple[Any, ...], ...]]
) -> SharedOptions | None:
    """The field's row options (None for a query with no rows to load, e.g. .none()).
    `rows_by_query` holds the rows this page has read already, by SQL."""
    queryset = field.queryset
    fields = _loaded_fields(queryset)
    rows_query = queryset.values_list(*(f.attname for f in fields))
    try:
        sql, params = rows_query.query.sql_with_params()
    except EmptyResultSet:
        return None
    query_key = (queryset.db, sql, tuple(params))
    if query_key not in rows_by_query:
        rows_by_query[query_key] = tuple(rows_query)
    rows = rows_by_query[query_key]
    if queryset.query.select_related:  # labels may read the joined rows, which are not here
        return _format_options(field, fields, rows)[0]
    label_rule = getattr(field.label_from_instance, "__func__", field.label_from_instance)
    key = (
        queryset.model,
        tuple(f.attname for f in fields),
        field.to_field_name,
        label_rule,
        get_language(),
        rows,
    )
    shared = _SHARED_OPTIONS.get(key)
    if shared is not None:
        _SHARED_OPTIONS.move_to_end(key)
        return shared
    shared, from_rows_alone = _format_options(field, fields, rows)
    if from_rows_alone:
        _SHARED_OPTIONS[key] = shared
        if len(_SHARED_OPTIONS) > _SHARED_OPTIONS_LIMIT:
            _SHARED_OPTIONS.popitem(last=False)
    return shared


def share_model_choices(*forms_on_page: forms.BaseForm) -> None:
    """Load each model choice list shown by the FastSelects of `forms_on_page` once.

    A select over a queryset runs it each time it renders; the queue page shows the active
    agents and teams in both its filter bar and its bulk bar. Fields over the same query (the
    same SQL) share one read of its rows, each with its own values, labels and empty choice,
    and the formatted options of rows seen before are reused. Call it once the forms'
    querysets are final: the choices are fixed from then on.
    """
    rows_by_query: dict[Any, tuple[tuple[Any, ...], ...]] = {}
    for form in forms_on_page:
        for field in form.fields.values():
            if not isinstance(field, forms.ModelChoiceField) or not isinstance(
                field.widget, FastSelect
            ):
                continue
            shared = _shared_options(field, rows_by_query)
            if shared is not None:
                field.widget.option_list = OptionList(_leading_choices(field), shared)
