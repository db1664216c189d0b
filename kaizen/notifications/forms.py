from typing import Any

from django import forms

from kaizen.core.forms import StyledFormMixin
from kaizen.notifications.categories import Category


class PreferencesForm(StyledFormMixin, forms.Form):
    """One checkbox per category the person can receive; ticked means "send me these"."""

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in categories:
            self.fields[category.key] = forms.BooleanField(label=category.label, required=False)
