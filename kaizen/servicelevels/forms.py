"""Agreement, terms, customer and supplier forms. They validate input; the services decide
(a fault the service finds is put back on its field by kaizen.core.forms.run_service)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service, ServiceOffering
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.people.models import Team, User
from kaizen.people.selectors import active_agents
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementTerms,
    Customer,
    ReviewCadence,
    Supplier,
)
from kaizen.servicelevels.services.agreements import EDITABLE_FIELDS
from kaizen.servicelevels.services.base import CUSTOMER_FIELDS, SUPPLIER_FIELDS
from kaizen.sla.models import BusinessCalendar, SLADefinition, TargetKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The party fields each kind of agreement has (the others are left out of its form).
PARTY_FIELDS = {
    AgreementKind.SLA: ("customer",),
    AgreementKind.OLA: ("provider_team", "consumer_team"),
    AgreementKind.UC: ("supplier",),
}
ALL_PARTY_FIELDS = ("customer", "provider_team", "consumer_team", "supplier")


def plain_number(value: Any) -> Any:
    """A stored decimal as a person would type it: 99.700 reads 99.7, 95.00 reads 95."""
    if value in (None, ""):
        return value
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _TakenByServices:
    """The service checks the record as a whole, each fault on its field; the model's own
    validation would say less, so forms only take the fields' values."""

    def _post_clean(self) -> None:
        pass


class AgreementForm(_TakenByServices, VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = EDITABLE_FIELDS
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "provider_team": "Team that commits",
            "consumer_team": "Team it serves",
            "starts_on": "Starts on",
            "ends_on": "Ends on",
            "review_cadence": "Service reviews",
            "reference": "Reference",
        }
        help_texts = {
            "ends_on": "Empty: until it is retired.",
            "consumer_team": "Empty: every team that hands work to it.",
            "review_cadence": "How often the service is reviewed with the customer.",
            "reference": "The supplier's or customer's own reference, if any.",
        }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ALL_PARTY_FIELDS:
            if name not in PARTY_FIELDS[AgreementKind(kind)]:
                del self.fields[name]
        if "customer" in self.fields:
            self.fields["customer"].required = True
        if "supplier" in self.fields:
            self.fields["supplier"].queryset = Supplier.objects.filter(is_active=True)
            self.fields["supplier"].required = True
        if "provider_team" in self.fields:
            self.fields["provider_team"].queryset = Team.objects.order_by("name")
            self.fields["provider_team"].required = True
            self.fields["consumer_team"].queryset = Team.objects.order_by("name")
        self.fields["owner"].queryset = active_agents()
        if kind == AgreementKind.SLA:
            self.fields["review_cadence"].choices = [
                ("", "No regular reviews"),
                *ReviewCadence.choices,
            ]
        else:
            del self.fields["review_cadence"]  # reviews are held with an SLA's customer
        if self.instance.pk is None:
            self.fields["status"].choices = [
                choice for choice in self.fields["status"].choices if choice[0] != "retired"
            ]


class TermsForm(_TakenByServices, VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    """A version of the terms: coverage, agreed hours, availability, hand-overs."""

    class Meta:
        model = AgreementTerms
        fields = (
            "valid_from",
            "calendar",
            "availability_percent",
            "services",
            "offerings",
            "configuration_items",
            "handoff_minutes",
            "note",
        )
        widgets = {"valid_from": DATE}
        labels = {
            "valid_from": "Applies from",
            "calendar": "Agreed service hours",
            "availability_percent": "Availability target (%)",
            "configuration_items": "Configuration items",
            "handoff_minutes": "Minutes per hand-over",
            "note": "What this version changes",
        }
        help_texts = {
            "availability_percent": "Of the agreed service hours, e.g. 99.5. Empty: none agreed.",
            "handoff_minutes": "For the chain check: the time a ticket may take to pass from "
            "one team or supplier to the next.",
            "services": "Hold Ctrl (⌘ on a Mac) to choose several.",
        }

    def __init__(self, *args: Any, kind: str, first: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["calendar"].queryset = BusinessCalendar.objects.order_by("name")
        fields["services"].queryset = Service.objects.exclude(lifecycle=Lifecycle.RETIRED)
        fields["offerings"].queryset = ServiceOffering.objects.select_related("service").order_by(
            "service__name", "name"
        )
        fields["offerings"].label_from_instance = lambda offering: (
            f"{offering.service.name}: {offering.name}"
        )
        fields["configuration_items"].queryset = ConfigurationItem.objects.exclude(
            status="retired"
        ).order_by("name")
        if "availability_percent" in self.initial:
            self.initial["availability_percent"] = plain_number(
                self.initial["availability_percent"]
            )
        fields["availability_percent"].validators += [
            MinValueValidator(Decimal("0.001"), "An availability target is more than 0 %%."),
            MaxValueValidator(100, "An availability target is at most 100 %%."),
        ]
        for name in ("services", "offerings", "configuration_items"):
            fields[name].required = False
            fields[name].widget.attrs["size"] = 6
        if kind != AgreementKind.SLA:
            del fields["handoff_minutes"]
        if kind == AgreementKind.SLA:
            del fields["configuration_items"]
        if first:
            # The first version applies from the agreement's start; it says so itself.
            del fields["valid_from"], fields["note"]
        else:
            fields["note"].required = True


class TargetForm(StyledFormMixin, forms.Form):
    """One ticket target of a version; a row left empty is no target."""

    metric = forms.ChoiceField(
        choices=[("", "—"), *TargetKind.choices], required=False, label="Target"
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        choices=[("", "Any priority"), *[(str(p), f"Priority {p}") for p in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sla_definition = forms.ModelChoiceField(
        queryset=SLADefinition.objects.filter(is_active=True).order_by("kind", "name"),
        required=False,
        label="Measured by",
        empty_label="Choose the SLA definition",
    )
    minutes = forms.IntegerField(min_value=1, required=False, label="Business minutes")
    attainment_percent = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, required=False, label="For % of tickets"
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == AgreementKind.SLA:
            del self.fields["minutes"]
        else:
            del self.fields["sla_definition"]
        # The rows sit in a table under one header row: each input names itself for screen
        # readers, as it has no label of its own.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label

    def target(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("metric"):
            return None
        definition = data.get("sla_definition")
        return {
            "metric": data["metric"],
            "priority": data.get("priority"),
            "sla_definition": definition.pk if definition else None,
            "minutes": data.get("minutes"),
            "attainment_percent": data.get("attainment_percent"),
        }


TargetFormSet = forms.formset_factory(TargetForm, extra=0)
EXTRA_TARGET_ROWS = 3


def target_formset(kind: str, data: Any = None, targets: list[dict[str, Any]] | None = None) -> Any:
    """The targets' rows: those given, and a few empty rows to add more."""
    rows = [
        {
            "metric": target["metric"],
            "priority": target["priority"],
            "sla_definition": target.get("sla_definition"),
            "minutes": target.get("minutes"),
            "attainment_percent": plain_number(target["attainment_percent"]),
        }
        for target in targets or []
    ]
    rows += [{} for _ in range(EXTRA_TARGET_ROWS)]
    if data is not None:
        return TargetFormSet(data, prefix="targets", form_kwargs={"kind": kind})
    return TargetFormSet(initial=rows, prefix="targets", form_kwargs={"kind": kind})


def targets_of(formset: Any) -> list[dict[str, Any]]:
    return [target for form in formset.forms if (target := form.target()) is not None]


class CustomerForm(_TakenByServices, VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = (*CUSTOMER_FIELDS, "representatives")
        labels = {"contact_email": "Contact e-mail"}
        help_texts = {
            "representatives": "People who speak for the customer (they may be sent its "
            "service level reports)."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["representatives"].queryset = User.objects.filter(is_active=True).order_by(
            "first_name", "last_name"
        )
        self.fields["representatives"].required = False


class SupplierForm(_TakenByServices, VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Supplier
        fields = SUPPLIER_FIELDS
        labels = {"contact_email": "Contact e-mail", "is_active": "Active"}
