"""Forms for business calendars and SLA definitions.

Forms parse what a person typed (times, "50, 75, 90", JSON) and check what only a form can
(an end before its start on the same row, a date listed twice); the domain rules stay in
kaizen.sla.services, whose ValidationErrors land on the field they name through
`run_service_with_rows`.
"""

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import holidays
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from kaizen.catalog.models import Service, ServiceOffering
from kaizen.core.errors import StaleRecord
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin, keep_input_after_conflict
from kaizen.people.models import Team
from kaizen.sla.kinds import DEFAULT_KIND, kind_choices, on_hold_reason_choices
from kaizen.sla.models import BusinessCalendar, EscalationAction, SLADefinition, TargetKind

T = TypeVar("T")

WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
PRIORITY_CHOICES = [(p, f"P{p}") for p in range(1, 6)]
# Matched by the fields of their own; in `conditions` they would be silently overridden.
RESERVED_CONDITIONS = ("service", "offering", "priority")
MAX_CALCULATOR_MINUTES = 1_000_000
TIME_INPUT = {"type": "time"}


# -- shared helpers ---------------------------------------------------------------------------


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())]


@cache
def holiday_country_choices() -> list[tuple[str, str]]:
    """Countries the `holidays` library knows, by name: ("GB", "United Kingdom (GB)")."""
    from holidays.registry import COUNTRIES

    names = {spec[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", spec[0]) for spec in COUNTRIES.values()}
    return sorted(((code, f"{name} ({code})") for code, name in names.items()), key=lambda c: c[1])


def region_errors(country: str, subdivision: str) -> dict[str, str]:
    """Which of the two holiday fields is wrong, if any.

    The service checks the pair too, but a bad subdivision of a good country comes back from
    the library as "country not available"; here each field gets its own message.
    """
    if not country:
        return {"holiday_subdivision": "give the country as well"} if subdivision else {}
    try:
        known = holidays.country_holidays(country)
    except NotImplementedError:
        return {"holiday_country": f"no public holidays known for {country!r}"}
    if subdivision:
        try:
            holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            codes = ", ".join(str(code) for code in known.subdivisions) or "none"
            return {"holiday_subdivision": f"{country} has no region {subdivision!r} ({codes})"}
    return {}


def normal_subdivision(country: str, subdivision: str) -> str:
    """'eng' -> 'ENG' when the library knows the code in upper case."""
    if not (country and subdivision):
        return subdivision
    try:
        known = holidays.country_holidays(country).subdivisions
    except NotImplementedError:
        return subdivision
    return subdivision.upper() if subdivision.upper() in known else subdivision


def parse_conditions(text: str) -> dict[str, Any]:
    """The JSON of a definition's other conditions; structure is checked by the service."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(value, dict):
        raise ValidationError('an object of field: [values], e.g. {"channel": ["phone"]}')
    check_condition_fields(value)
    return value


def check_condition_fields(conditions: dict[str, Any]) -> None:
    reserved = sorted(set(conditions) & set(RESERVED_CONDITIONS))
    if reserved:
        raise ValidationError(
            f"{', '.join(reserved)}: use the service, offering and priority fields instead"
        )


def since_midnight(day: dt.date | None) -> dt.datetime | None:
    """The start of `day` in the current (the signed-in person's) time zone."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def run_service_with_rows(
    form: forms.BaseForm,
    rows: dict[str, BaseFormSet],
    function: Callable[..., T],
    *args: Any,
    **kwargs: Any,
) -> T | None:
    """Like kaizen.core.forms.run_service, for a form with repeatable rows: an error the
    service raises on `periods` (or one of a period's own fields) is shown above those rows."""
    try:
        return function(*args, **kwargs)
    except StaleRecord as conflict:
        keep_input_after_conflict(form, conflict)
        return None
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        for field, items in errors.items():
            for error in items:
                if field in form.fields:
                    form.add_error(field, error)
                elif field in rows:
                    rows[field].non_form_errors().extend(error.messages)
                else:
                    form.add_error(None, error)
        return None


class RowFormSet(BaseFormSet):
    """Repeatable rows: a row ticked for removal, or a row left (or made) blank, is not there.

    Bind it without `initial`: a posted row then counts when anything in it is filled in,
    whether it was drawn from the record or as a spare row.
    """

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        return super()._construct_form(i, empty_permitted=True, **kwargs)

    def kept_forms(self) -> list[forms.Form]:
        # A blank spare row is not cleaned at all, so its cleaned_data stays empty.
        return [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]

    def rows(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.kept_forms()]


# -- business calendars -----------------------------------------------------------------------


class CalendarForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=[("", "Choose a time zone"), *time_zone_choices()],
        help_text="Working periods are local times in this zone.",
    )
    holiday_country = forms.ChoiceField(
        required=False,
        label="Public holidays of",
        help_text="Public holidays of this country are closed days.",
    )
    remeasure_since = forms.DateField(
        required=False,
        label="Re-measure history since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Open tickets always follow the new hours. With a date, tickets opened "
        "since then are measured again too.",
    )

    class Meta:
        model = BusinessCalendar
        fields = (
            "name",
            "slug",
            "description",
            "time_zone",
            "holiday_country",
            "holiday_subdivision",
        )
        labels = {"holiday_subdivision": "Region"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "No public holidays"), *holiday_country_choices()]
        current = self.instance.holiday_country
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["holiday_country"].choices = choices
        if self.instance.pk is None:
            del self.fields["remeasure_since"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        country = data.get("holiday_country") or ""
        subdivision = normal_subdivision(country, data.get("holiday_subdivision") or "")
        data["holiday_subdivision"] = subdivision
        for field, message in region_errors(country, subdivision).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data

    def calendar_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def remeasure(self) -> dict[str, Any]:
        since = self.cleaned_data.get("remeasure_since")
        return {"remeasure": since is not None, "remeasure_since": since_midnight(since)}


class PeriodForm(StyledFormMixin, forms.Form):
    weekday = forms.TypedChoiceField(choices=[("", "—"), *WEEKDAY_CHOICES], coerce=int, label="Day")
    start_time = forms.TimeField(
        label="From", widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M")
    )
    end_time = forms.TimeField(label="To", widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None and end != dt.time(0) and end <= start:
            self.add_error("end_time", "must be after the start (00:00 means midnight)")
        return data


class BasePeriodFormSet(RowFormSet):
    default_error_messages = {
        "too_few_forms": "A calendar needs at least one working period.",
    }

    def periods(self) -> list[tuple[int, dt.time, dt.time]]:
        return sorted((row["weekday"], row["start_time"], row["end_time"]) for row in self.rows())

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.rows():
            raise ValidationError("A calendar needs at least one working period.")


PeriodFormSet = formset_factory(PeriodForm, formset=BasePeriodFormSet, extra=2, can_delete=True)


def period_initial(calendar: BusinessCalendar | None) -> list[dict[str, Any]]:
    if calendar is None:  # a new calendar starts as Mon-Fri 09:00-17:00
        return [
            {"weekday": day, "start_time": dt.time(9), "end_time": dt.time(17)} for day in range(5)
        ]
    return [
        {"weekday": p.weekday, "start_time": p.start_time, "end_time": p.end_time}
        for p in calendar.periods.all()
    ]


class ClosureForm(StyledFormMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(max_length=120, label="What")


class BaseClosureFormSet(RowFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[dt.date] = set()
        for form in self.kept_forms():
            day = form.cleaned_data["date"]
            if day in seen:
                form.add_error("date", "this date is listed twice")
            seen.add(day)

    def closures(self) -> list[tuple[dt.date, str]]:
        return sorted((row["date"], row["name"]) for row in self.rows())


ClosureFormSet = formset_factory(ClosureForm, formset=BaseClosureFormSet, extra=2, can_delete=True)


def closure_initial(calendar: BusinessCalendar | None) -> list[dict[str, Any]]:
    if calendar is None:
        return []
    return [{"date": c.date, "name": c.name} for c in calendar.closures.all()]


class DueForm(StyledFormMixin, forms.Form):
    """The calendar page's calculator: when is `minutes` of business time used up?"""

    start = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    minutes = forms.IntegerField(
        min_value=0, max_value=MAX_CALCULATOR_MINUTES, label="Business minutes"
    )


class BetweenForm(StyledFormMixin, forms.Form):
    """The calendar page's calculator: how much business time lies between two instants?"""

    start = forms.DateTimeField(
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label="To",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "must not be before the start")
        return data


# -- SLA definitions --------------------------------------------------------------------------


class OfferingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceOffering) -> str:
        return f"{obj.service.name} — {obj.name}"


class DefinitionForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    target_hours = forms.IntegerField(min_value=0, label="Target: hours")
    target_minutes = forms.IntegerField(
        min_value=0, max_value=59, initial=0, label="and minutes", required=False
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=PRIORITY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="None ticked: any priority.",
    )
    ticket_kind = forms.ChoiceField(
        required=False,
        label="Ticket kind",
        help_text="The kind of ticket it measures; it applies to no other.",
    )
    pause_reasons = forms.MultipleChoiceField(
        required=False,
        label="Pause while on hold",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="On hold for another reason, the clock keeps running.",
    )
    warning_thresholds = forms.CharField(
        required=False,
        label="Warnings at (%)",
        help_text="Percentages of the target, e.g. 50, 75, 90.",
    )
    conditions = forms.CharField(
        required=False,
        label="Other conditions (JSON)",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control font-monospace"}),
        help_text='Other ticket fields and their allowed values, e.g. {"channel": ["phone"]}.',
    )
    remeasure_since = forms.DateField(
        required=False,
        label="Re-measure history since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Open tickets always follow the new settings. With a date, tickets "
        "opened since then are measured again too.",
    )

    class Meta:
        model = SLADefinition
        fields = (
            "name",
            "ticket_kind",
            "kind",
            "calendar",
            "order",
            "is_active",
            "service",
            "offering",
        )
        labels = {"is_active": "Active"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TargetKind.choices
        self.fields["ticket_kind"].choices = kind_choices
        self.fields["ticket_kind"].initial = self.instance.ticket_kind or DEFAULT_KIND
        # Every registered kind's reasons, labelled from their values as they always were.
        self.fields["pause_reasons"].choices = [
            (reason, reason.replace("_", " ").capitalize())
            for reason, _ in on_hold_reason_choices()
        ]
        self.fields["calendar"].queryset = BusinessCalendar.objects.order_by("name")
        self.fields["service"].queryset = Service.objects.order_by("name")
        self.fields["service"].empty_label = "Any service"
        offering = OfferingChoiceField(
            queryset=ServiceOffering.objects.select_related("service").order_by(
                "service__name", "name"
            ),
            required=False,
            empty_label="Any offering",
            help_text="An offering of the service chosen above.",
        )
        offering.widget.attrs["class"] = "form-select"
        self.fields["offering"] = offering
        definition = self.instance
        if definition.pk is None:
            del self.fields["remeasure_since"]
        else:
            hours, minutes = divmod(definition.target_minutes, 60)
            self.initial.update(
                target_hours=hours,
                target_minutes=minutes,
                priorities=definition.priorities,
                pause_reasons=definition.pause_reasons,
                warning_thresholds=", ".join(str(p) for p in definition.warning_thresholds),
                conditions=json.dumps(definition.conditions) if definition.conditions else "",
            )

    def clean_warning_thresholds(self) -> list[int]:
        text = self.cleaned_data["warning_thresholds"]
        try:
            values = [int(part) for part in re.split(r"[,\s]+", text.strip()) if part]
        except ValueError as exc:
            raise ValidationError("whole percentages separated by commas, e.g. 50, 75, 90") from exc
        return sorted(set(values))

    def clean_ticket_kind(self) -> str:
        """Left out (a form posted before kinds existed): the definition's own, else the
        default kind."""
        return self.cleaned_data["ticket_kind"] or self.instance.ticket_kind or DEFAULT_KIND

    def clean_conditions(self) -> dict[str, Any]:
        return parse_conditions(self.cleaned_data["conditions"])

    def clean_priorities(self) -> list[int]:
        return sorted(self.cleaned_data["priorities"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours = data.get("target_hours")
        if hours is not None:
            total = hours * 60 + (data.get("target_minutes") or 0)
            if total <= 0 and "target_minutes" not in self.errors:
                self.add_error("target_hours", "give a target of more than zero")
            data["target_total"] = total
        return data

    def definition_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in self.Meta.fields},
            "target_minutes": data["target_total"],
            "priorities": data["priorities"],
            "pause_reasons": [
                reason for reason, _ in on_hold_reason_choices() if reason in data["pause_reasons"]
            ],
            "warning_thresholds": data["warning_thresholds"],
            "conditions": data["conditions"],
        }

    def remeasure(self) -> dict[str, Any]:
        since = self.cleaned_data.get("remeasure_since")
        return {"remeasure": since is not None, "remeasure_since": since_midnight(since)}


class EscalationForm(StyledFormMixin, forms.Form):
    at = forms.IntegerField(
        min_value=1, max_value=100, label="At %", widget=forms.NumberInput(attrs={"size": 3})
    )
    action = forms.ChoiceField(choices=[("", "—"), *EscalationAction.choices])
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="—",
        help_text="For a reassignment",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == EscalationAction.REASSIGN and not data.get("team"):
            self.add_error("team", "choose the team to reassign to")
        return data


class BaseEscalationFormSet(RowFormSet):
    def steps(self) -> list[dict[str, Any]]:
        steps = []
        for row in sorted(self.rows(), key=lambda row: row["at"]):
            step: dict[str, Any] = {"at": row["at"], "action": row["action"]}
            if row["action"] == EscalationAction.REASSIGN:
                step["team"] = row["team"].slug
            steps.append(step)
        return steps


EscalationFormSet = formset_factory(
    EscalationForm, formset=BaseEscalationFormSet, extra=2, can_delete=True
)


def escalation_initial(definition: SLADefinition | None) -> list[dict[str, Any]]:
    if definition is None:
        return []
    return [
        {"at": step.get("at"), "action": step.get("action"), "team": step.get("team")}
        for step in definition.escalations
    ]
