"""Service reviews and their actions over the API. Serializers parse and present; writes go to
the services (kaizen/servicelevels/services/reviews.py)."""

from typing import Any

from rest_framework import serializers

from kaizen.core.api.serializers import VersionedSerializer
from kaizen.people.models import User
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    ReviewAction,
    ReviewActionStatus,
    ServiceReview,
)
from kaizen.servicelevels.reviews import period_in_words

VERSION_READ = {"min_value": 1, "help_text": "The version you read"}
# What a PATCH may change; the period and the agreement are the review's identity.
REVIEW_NOTES_FIELDS = ("scheduled_for", "attendees", "minutes")


class ReviewActionSerializer(VersionedSerializer):
    """An action agreed at a review. POST to the review's `actions/` agrees one (open); PATCH
    `/service-reviews/{number}/actions/{id}/` changes it with the `version` read (409 when it
    moved on). `improvement_reference` names the improvement initiative it was taken into."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="User id of whoever carries it out",
    )
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ReviewActionStatus.choices, required=False)

    class Meta:
        model = ReviewAction
        fields = (
            "id",
            "title",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "improvement_reference",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = ("id", "improvement_reference", "created_at", "updated_at")
        extra_kwargs = {"due_on": {"required": False}}


class ServiceReviewSerializer(VersionedSerializer):
    """A service review of one period of an SLA. POST schedules one by hand (reviews by the
    cadence are scheduled every night); PATCH sets `scheduled_for`, `attendees` and `minutes`
    with the `version` read (409 if it moved on). Holding and cancelling go through their
    endpoints; `held_on_time` is whether it was held by `due_on` (null until held)."""

    agreement = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Agreement.objects.filter(kind=AgreementKind.SLA),
        help_text="The SLA's number, e.g. SLA00001",
        error_messages={"does_not_exist": "no service level agreement has the number '{value}'"},
    )
    agreement_name = serializers.CharField(source="agreement.name", read_only=True)
    period = serializers.SerializerMethodField()
    held_on_time = serializers.BooleanField(read_only=True, allow_null=True)
    actions = ReviewActionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ServiceReview
        fields = (
            "number",
            "url",
            "agreement",
            "agreement_name",
            "period_start",
            "period_end",
            "period",
            "due_on",
            "scheduled_for",
            "status",
            "held_on",
            "held_on_time",
            "attendees",
            "minutes",
            "cancelled_reason",
            "actions",
            "created_at",
            "updated_at",
            "version",
        )
        read_only_fields = (
            "number",
            "status",
            "held_on",
            "cancelled_reason",
            "created_at",
            "updated_at",
        )
        # One review per period: the service says so on `period_start` (not DRF's own
        # "must make a unique set").
        validators: list[Any] = []
        extra_kwargs = {
            "scheduled_for": {"required": False},
            "attendees": {"required": False},
            "minutes": {"required": False},
        }

    def get_period(self, review: ServiceReview) -> str:
        """The period in words, e.g. "January – March 2026"."""
        return period_in_words(review.period_start, review.period_end)

    def get_url(self, review: ServiceReview) -> str:
        request = self.context.get("request")
        path = review.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None:
            fixed = {
                name: "a review's agreement and period are fixed: cancel it and schedule another"
                for name in attrs
                if name not in (*REVIEW_NOTES_FIELDS, "version")
            }
            if fixed:
                raise serializers.ValidationError(fixed)
        else:  # notes are written once there is a meeting: PATCH
            attrs.pop("attendees", None)
            attrs.pop("minutes", None)
        return attrs


class HoldReviewSerializer(serializers.Serializer):
    version = serializers.IntegerField(**VERSION_READ)
    held_on = serializers.DateField(help_text="The day it was held")
    attendees = serializers.CharField(help_text="Who attended, the customer's people and ours")
    minutes = serializers.CharField(help_text="What was reviewed and agreed")


class CancelReviewSerializer(serializers.Serializer):
    version = serializers.IntegerField(**VERSION_READ)
    reason = serializers.CharField(max_length=250, help_text="Why it is cancelled")
