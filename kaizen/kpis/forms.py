"""Forms of the KPI pages: a custom KPI, a CSV of external data points, the page options.

The form parses (JSON filters, numbers); the rules live on the model (`CustomKPI.clean`) and in
kaizen.kpis.services, and their ValidationErrors land on the field they name.
"""

import datetime as dt
from typing import Any

from django import forms

from kaizen.analytics.families import breakdown_columns
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.kpis.external import MAX_CSV_BYTES
from kaizen.kpis.models import CustomKPI, PeriodKind
from kaizen.kpis.services import CUSTOM_KPI_FIELDS, DEFAULT_PERIOD_KINDS
from kaizen.people.models import User, UserKind

FILTER_FIELDS = ("filters", "numerator", "denominator")
FILTER_HELP = (
    'A JSON list, e.g. [{"column": "priority", "operator": "le", "value": 2}]. Operators: '
    "eq, ne, lt, le, gt, ge, in (a list), is_null and is_true (true or false)."
)


class CustomKPIForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CustomKPI
        fields = list(CUSTOM_KPI_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "filters": forms.Textarea(attrs={"rows": 3, "class": "form-control font-monospace"}),
            "numerator": forms.Textarea(attrs={"rows": 2, "class": "form-control font-monospace"}),
            "denominator": forms.Textarea(
                attrs={"rows": 2, "class": "form-control font-monospace"}
            ),
        }
        help_texts = {
            "filters": FILTER_HELP,
            "key": 'e.g. "custom.p1-backlog"; cannot change later',
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            kind=UserKind.AGENT, is_active=True
        ).order_by("first_name", "last_name")
        if self.instance.pk:
            self.fields["key"].disabled = True
        for name in FILTER_FIELDS:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # An empty box means "no filters"; JSONField would make it null. This runs before the
        # model's own validation (ModelForm._post_clean), which then sees a list.
        for name in FILTER_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = []
        return cleaned

    def kpi_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data.get(name) for name in CUSTOM_KPI_FIELDS}
        if self.instance.pk:
            fields.pop("key")
        return fields


class PointsUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        help_text=(
            "CSV with a header: value, and occurred_at (ISO date-time) or period_start with "
            "period_kind (day, week, month, quarter, year); optional idempotency_key, source and "
            f"dimensions ({', '.join(breakdown_columns())})."
        )
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(f"larger than {MAX_CSV_BYTES // 1024} KiB")
        return upload


# The pages show what is stored: the period kinds the collection measures.
PERIOD_CHOICES = [(kind.value, kind.label) for kind in PeriodKind if kind in DEFAULT_PERIOD_KINDS]
DIMENSION_CHOICES = [("", "No breakdown"), *((name, name.title()) for name in breakdown_columns())]


class PageOptionsForm(forms.Form):
    """The period kind, breakdown and range a page shows, from the query string. Without a
    range a KPI page shows where its data is: the first to the last period with a value."""

    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False)
    by = forms.ChoiceField(choices=DIMENSION_CHOICES, required=False)
    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "must not be before From")
        return cleaned

    def _cleaned(self) -> dict[str, Any]:
        self.is_valid()  # a field in error is left out of cleaned_data; the others stand
        return self.cleaned_data

    def options(self) -> tuple[str, str]:
        cleaned = self._cleaned()
        return cleaned.get("period") or PeriodKind.MONTH.value, cleaned.get("by") or ""

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The days asked for (both inclusive), or None where the data decides."""
        cleaned = self._cleaned()
        return cleaned.get("start"), cleaned.get("end")
