"""Shared form plumbing: Bootstrap styling and running a domain service from a form."""

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from kaizen.core.widgets import speed_up_selects

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


class StyledFormMixin:
    """Gives every widget the Bootstrap class it needs, and renders selects quickly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        speed_up_selects(self)  # type: ignore[arg-type]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            # Django's Textarea defaults to 10 rows: too tall for short descriptions.
            if isinstance(widget, forms.Textarea) and str(widget.attrs.get("rows")) == "10":
                widget.attrs["rows"] = 3


def detached(instance: M) -> M:
    """A copy for a ModelForm to validate against.

    ModelForm writes cleaned values onto its instance while validating; the domain service
    must see the record as it was, to journal old and new values, so the form gets a copy.
    """
    return copy.copy(instance)


def run_service(
    form: forms.BaseForm, function: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """Call a `do_*` service; put its ValidationError on the form's fields and return None."""
    try:
        return function(*args, **kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        else:
            form.add_error(None, exc)
        return None
