"""Shared form plumbing: Bootstrap styling, the version an edit form carries (optimistic
locking), and running a domain service from a form."""

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from kaizen.core.errors import StaleRecord
from kaizen.core.models import TicketComment
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


class VersionField(forms.IntegerField):
    """The version the person read: the service refuses the change if the record moved on."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, **kwargs)


class TicketCommentForm(StyledFormMixin, forms.Form):
    """A comment on any process's ticket: agents may make it a work note; the ticket's
    requester (an incident's caller, a change's requester) writes comments only."""

    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment",
        max_length=TicketComment.MAX_LENGTH,
    )
    is_work_note = forms.BooleanField(required=False)

    def __init__(
        self, *args: Any, agent: bool, requester_word: str = "caller", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"].widget
        if agent:
            body.attrs["placeholder"] = (
                f"A comment for the {requester_word}, or tick “work note” below"
            )
            self.fields[
                "is_work_note"
            ].label = f"Work note (agents only, not shown to the {requester_word})"
        else:
            body.attrs["placeholder"] = "Write to the service desk…"
            del self.fields["is_work_note"]


class TicketAttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField(allow_empty_file=True)


def detached(instance: M) -> M:
    """A copy for a ModelForm to validate against.

    ModelForm writes cleaned values onto its instance while validating; the domain service
    must see the record as it was, to journal old and new values, so the form gets a copy.
    """
    return copy.copy(instance)


class VersionedFormMixin:
    """An edit form of a record with optimistic locking carries the version the person read
    (hidden); a form for a new record has none. `version_and_fields()` splits cleaned_data
    into what the service's `expected_version` takes and the fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields["version"] = VersionField()  # type: ignore[attr-defined]
            self.initial.setdefault("version", instance.version)  # type: ignore[attr-defined]

    def version_and_fields(self) -> tuple[int | None, dict[str, Any]]:
        fields = dict(self.cleaned_data)  # type: ignore[attr-defined]
        return fields.pop("version", None), fields


def keep_input_after_conflict(form: forms.BaseForm, conflict: StaleRecord) -> None:
    """The conflict's message goes on the form, which keeps the person's input and now carries
    the current version: saving again is deliberate (and overwrites the other change)."""
    form.add_error(None, f"{conflict} Your input is kept below: save again to apply it.")
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = conflict.current_version
    form.conflict = conflict  # type: ignore[attr-defined]


def conflict_status(*forms: forms.BaseForm | None) -> int:
    """The status of a page that shows its forms again: 409 after a version conflict."""
    return 409 if any(getattr(form, "conflict", None) for form in forms if form) else 200


def page_status(*forms: forms.BaseForm | None) -> int:
    """The status of a page that shows its forms again: 409 after a version conflict, 400
    when a form was refused, else 200."""
    if conflict_status(*forms) == 409:
        return 409
    if any(form.errors for form in forms if form is not None and form.is_bound):
        return 400
    return 200


def pop_catalogue(data: dict[str, Any]) -> dict[str, Any]:
    """The services and configuration items of a form's cleaned data, taken out of it, as a
    service's `services=` and `configuration_items=`."""
    return {
        "services": list(data.pop("services", [])),
        "configuration_items": list(data.pop("configuration_items", [])),
    }


def run_service(
    form: forms.BaseForm, function: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """Call a `do_*` service; put its ValidationError on the form's fields, or a version
    conflict on the form (keep_input_after_conflict), and return None."""
    try:
        return function(*args, **kwargs)
    except StaleRecord as conflict:
        keep_input_after_conflict(form, conflict)
        return None
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        else:
            form.add_error(None, exc)
        return None


def show_errors(request: Any, form: forms.BaseForm) -> None:
    """A form's errors as messages on the page the view redirects to ("incident: there is no
    incident INC404"), for the small forms of a page's side panels."""
    from django.contrib import messages

    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{field.replace('_', ' ')}: "
        for error in errors:
            messages.error(request, f"{label}{error}")
