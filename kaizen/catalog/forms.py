from django import forms

from kaizen.catalog.models import (
    ConfigurationItem,
    Service,
    ServiceDependency,
    ServiceOffering,
)
from kaizen.catalog.services import CI_FIELDS, OFFERING_FIELDS, SERVICE_FIELDS
from kaizen.core.forms import StyledFormMixin, VersionedFormMixin
from kaizen.people.models import Team, User, UserKind


class ServiceForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        widgets = {"features": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(kind=UserKind.AGENT, is_active=True)
        self.fields["support_team"].queryset = Team.objects.filter(is_active=True)


class LifecycleForm(forms.Form):
    lifecycle = forms.CharField()
    reason = forms.CharField(required=False, max_length=250)


class OfferingForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceOffering
        fields = OFFERING_FIELDS

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


class DependencyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceDependency
        fields = ("depends_on", "kind", "note")

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        self.fields["depends_on"].queryset = Service.objects.exclude(pk=service.pk)

    def validate_unique(self) -> None:
        # The service reports duplicates and cycles with a message that names both services.
        pass


class ConfigurationItemForm(VersionedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ConfigurationItem
        fields = (*CI_FIELDS, "services")
        widgets = {"services": forms.SelectMultiple(attrs={"size": 8})}
