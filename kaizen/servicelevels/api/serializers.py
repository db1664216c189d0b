"""Agreements, their versions, customers and suppliers over the API. Serializers parse and
present; writes go to the services (which check the targets' shape and name each fault)."""

from typing import Any

from rest_framework import serializers

from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.people.models import Team, User
from kaizen.servicelevels.chain import MINUTE_US, TargetChain
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementTerms,
    Customer,
    Supplier,
)
from kaizen.sla.models import BusinessCalendar

UNKNOWN_SERVICE = {"does_not_exist": "no service has the slug '{value}'"}
UNKNOWN_CALENDAR = {"does_not_exist": "no business calendar has the slug '{value}'"}


class TargetSerializer(serializers.Serializer):
    """A ticket target as stored (checked by the service, fault by fault)."""

    metric = serializers.ChoiceField(choices=["response", "resolution"])
    priority = serializers.IntegerField(allow_null=True, required=False)
    sla_definition = serializers.IntegerField(allow_null=True, required=False)
    minutes = serializers.IntegerField(allow_null=True, required=False)
    attainment_percent = serializers.CharField()


class CoverageMixin(serializers.Serializer):
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        error_messages=UNKNOWN_SERVICE,
        help_text="Services' slugs",
    )
    offerings = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOffering.objects.all(), many=True, required=False
    )
    configuration_items = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), many=True, required=False
    )
    calendar = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=BusinessCalendar.objects.all(),
        error_messages=UNKNOWN_CALENDAR,
        help_text="The agreed service hours: a business calendar's slug",
    )
    availability_percent = serializers.DecimalField(
        max_digits=6, decimal_places=3, allow_null=True, required=False
    )
    targets = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="See TargetSerializer"
    )
    handoff_minutes = serializers.IntegerField(min_value=0, required=False)


class TermsSerializer(CoverageMixin, VersionedSerializer):
    """A version of an agreement's terms. POST to the agreement's `versions/` makes a new one
    (from `valid_from`, today or later; what is left out is carried over); PATCH corrects one
    not yet in force (or of a draft agreement) and needs its `version`."""

    calendar = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=BusinessCalendar.objects.all(),
        error_messages=UNKNOWN_CALENDAR,
        required=False,
    )
    targets = serializers.ListField(child=serializers.DictField(), required=False)
    note = serializers.CharField(max_length=250, required=False, allow_blank=True)

    class Meta:
        model = AgreementTerms
        fields = (
            "sequence",
            "valid_from",
            "calendar",
            "availability_percent",
            "services",
            "offerings",
            "configuration_items",
            "targets",
            "handoff_minutes",
            "note",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("sequence", "created_at", "updated_at")


class AgreementSerializer(VersionedSerializer):
    """An agreement. POST makes it with its first version of terms (the coverage, hours and
    targets fields, which apply from `starts_on`); PATCH changes its own fields and needs the
    `version` you read. Its terms change through `versions/`."""

    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, required=False
    )
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.all(), allow_null=True, required=False
    )
    provider_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    consumer_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), help_text="The owner's username"
    )
    versions = TermsSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = (
            "number",
            "url",
            "kind",
            "name",
            "description",
            "customer",
            "provider_team",
            "consumer_team",
            "supplier",
            "owner",
            "status",
            "starts_on",
            "ends_on",
            "review_cadence",
            "reference",
            "versions",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("number", "created_at", "updated_at")

    def get_url(self, agreement: Agreement) -> str:
        request = self.context.get("request")
        path = agreement.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class NewAgreementSerializer(CoverageMixin, AgreementSerializer):
    class Meta(AgreementSerializer.Meta):
        fields = (
            *AgreementSerializer.Meta.fields,
            "calendar",
            "availability_percent",
            "services",
            "offerings",
            "configuration_items",
            "targets",
            "handoff_minutes",
        )


class CustomerSerializer(VersionedSerializer):
    representatives = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), many=True, required=False
    )

    class Meta:
        model = Customer
        fields = (
            "id",
            "name",
            "kind",
            "description",
            "contact_name",
            "contact_email",
            "representatives",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("created_at", "updated_at")


class SupplierSerializer(VersionedSerializer):
    class Meta:
        model = Supplier
        fields = (
            "id",
            "name",
            "description",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
            "is_active",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("created_at", "updated_at")


class ChainSerializer(serializers.Serializer):
    """One SLA target with, for each service the SLA covers, the links that support it; times
    in minutes of the customer's business hours. `fits` is null where no link supports it."""

    def to_representation(self, chain: TargetChain) -> dict[str, Any]:
        def minutes(value: int | None) -> float | None:
            return None if value is None else value / MINUTE_US

        return {
            "metric": chain.metric,
            "priority": chain.priority,
            "sla_definition": chain.definition.pk if chain.definition else None,
            "customer_minutes": minutes(chain.customer_us),
            "attainment_percent": chain.attainment_percent,
            "fits": chain.fits,
            "services": [
                {
                    "service": service_chain.service.slug,
                    "links": [
                        {
                            "agreement": link.agreement.number,
                            "kind": link.agreement.kind,
                            "party": link.agreement.party,
                            "minutes": link.minutes,
                            "calendar": link.terms.calendar.slug,
                            "worst_case_minutes": minutes(link.worst_us),
                        }
                        for link in service_chain.links
                    ],
                    "handoffs": service_chain.handoffs,
                    "handoff_minutes": service_chain.handoff_minutes,
                    "used_minutes": minutes(service_chain.used_us),
                    "fits": service_chain.fits,
                    "margin_minutes": minutes(service_chain.margin_us),
                }
                for service_chain in chain.services
            ],
        }
