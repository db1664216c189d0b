"""Widgets rendered in Python rather than one template per <option>.

Django renders every option of a <select> through its own template; a filter bar with a few
hundred people in an "Assignee" list spent more time there than in the database (measured in
bench/agent_queue.py). These produce the same HTML directly.
"""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    option_value,
                    " selected" if str(option_value) in selected else "",
                    label,
                )
                for option_value, label in (
                    ("" if choice is None else str(choice), text) for choice, text in self.choices
                )
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


def speed_up_selects(form: forms.BaseForm) -> None:
    """Swap each plain single <select> of a form for FastSelect, keeping its attributes."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select or isinstance(widget, forms.NullBooleanSelect):
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast
