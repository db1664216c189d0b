"""Changes over the API. Serializers parse and present; writes go to the services."""

from typing import Any

from django.db import models
from django.urls import reverse
from rest_framework import serializers

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes.models import (
    CausedIncident,
    CausedIncidentStatus,
    Change,
    ChangeAttachment,
    ChangeCategory,
    ChangeComment,
    ChangeTemplate,
    ChangeType,
    ClosureCode,
    Risk,
    State,
)
from kaizen.changes.services import EDITABLE_FIELDS, allowed_targets
from kaizen.changes.services.templates import TEMPLATE_FIELDS
from kaizen.core.api.ticket_activity import attachment_serializer_for, comment_serializer_for
from kaizen.people.models import Team, User


def _team_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="Team slug",
    )


def _person(help_text: str, required: bool = False) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=not required, required=required, help_text=help_text
    )


def _services() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the services the change affects",
    )


def _cis() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the configuration items the change affects",
    )


def level_field(name: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=3, required=False, help_text=f"{name}: 1 high, 2 medium, 3 low"
    )


RISK_HELP = "1 low, 2 moderate, 3 high, 4 very high (from the risk rules; read-only)"
# Changed through their own endpoints, so a PATCH cannot bypass their rules.
MOVED_ELSEWHERE = {
    "state": "transition/",
    "closure_code": "transition/",
    "closure_notes": "transition/",
    "actual_start": "transition/",
    "actual_end": "transition/",
    "objectives_met": "review/",
    "lessons_learned": "review/",
    "change_type": "(set when raised)",
    "template": "(set when raised)",
}


# What the change records as it moves (its own endpoints write them): read-only here.
RECORDED_FIELDS = (
    "state",
    "closure_code",
    "closure_notes",
    "actual_start",
    "actual_end",
    "objectives_met",
    "lessons_learned",
    "opened_at",
    "submitted_at",
    "authorisation_requested_at",
    "authorised_at",
    "rejected_at",
    "reviewed_at",
    "closed_at",
    "cancelled_at",
    "unauthorised",
    "unauthorised_reason",
    "imported_from",
)


class ChangeSerializer(serializers.ModelSerializer):
    """A change request. POST raises one in Draft (standard: give `template`); PATCH edits what
    it says and needs the `version` you read (409 if it moved on)."""

    change_type = serializers.ChoiceField(
        choices=ChangeType.choices, required=False, help_text="Set when raised"
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=ChangeTemplate.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of an approved standard change template (standard changes)",
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=ChangeCategory.objects.all(), allow_null=True, required=False
    )
    services = _services()
    configuration_items = _cis()
    requester = _person("User id; default: you")
    owner = _person("User id of the change owner")
    implementer = _person("User id of an agent in the assignment group")
    assignment_group = _team_field()
    impact = level_field("Impact")
    urgency = level_field("Urgency")
    priority = serializers.IntegerField(read_only=True, help_text="1 critical … 4 low")
    risk = serializers.IntegerField(read_only=True, help_text=RISK_HELP)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="On PATCH: the version you read; a newer one on the server answers 409",
    )
    allowed_transitions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Change
        fields = [
            "number",
            "change_type",
            "template",
            *EDITABLE_FIELDS,
            "services",
            "configuration_items",
            "priority",
            "risk",
            *RECORDED_FIELDS,
            "sla_due_at",
            "sla_state",
            "version",
            "updated_at",
            "allowed_transitions",
            "url",
        ]
        read_only_fields = ["number", *RECORDED_FIELDS, "sla_due_at", "sla_state", "updated_at"]

    def get_allowed_transitions(self, change: Change) -> list[str]:
        return [state.value for state in allowed_targets(change)]

    def get_url(self, change: Change) -> str:
        return reverse("changes:detail", args=[change.number])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            attrs.pop("version", None)
            return attrs
        errors = {
            name: f"change it with POST /api/v1/changes/{self.instance.number}/{endpoint}"
            if endpoint.endswith("/")
            else f"it cannot change: {endpoint[1:-1]}"
            for name, endpoint in MOVED_ELSEWHERE.items()
            if name in self.initial_data
        }
        if "version" not in attrs:
            errors["version"] = "send the version you read, so nobody's change is overwritten"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PortalChangeSerializer(serializers.ModelSerializer):
    """What a requester who raised a change (and no longer works changes) sees of it."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = Change
        fields = [
            "number",
            "title",
            "description",
            "change_type",
            "state",
            "closure_code",
            "planned_start",
            "planned_end",
            "opened_at",
            "closed_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, change: Change) -> str:
        return reverse("changes:detail", args=[change.number])


class ChangeTransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in State if s != State.REJECTED],
        help_text="Target state (rejected is the approvers' decision, not a move)",
    )
    closure_code = serializers.ChoiceField(
        choices=ClosureCode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For closed",
    )
    closure_notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="Required for cancelled (why); optional for closed",
    )
    actual = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For implement and review: when the work started or ended, if not now",
    )
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class ChangeReviewSerializer(serializers.Serializer):
    objectives_met = serializers.BooleanField()
    lessons_learned = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=8000
    )
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class CausedIncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CausedIncident
        fields = ["id", "incident_number", "incident_opened_at", "status", "reason", "decided_at"]
        read_only_fields = ["id", "incident_opened_at", "status", "decided_at"]


class CausedIncidentDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (CausedIncidentStatus.CONFIRMED.value, "Confirmed"),
            (CausedIncidentStatus.DISMISSED.value, "Dismissed"),
        ]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=250)


ChangeCommentSerializer = comment_serializer_for(ChangeComment)
ChangeAttachmentSerializer = attachment_serializer_for(
    ChangeAttachment, "changes:attachment_download"
)


class ChangeCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeCategory
        fields = ["id", "name", "is_active"]


class ChangeTemplateSerializer(serializers.ModelSerializer):
    """A standard change template version. POST proposes one (`revises`: the id of the version
    it replaces); approving, rejecting and retiring are their own actions."""

    services = _services()
    configuration_items = _cis()
    assignment_group = _team_field()
    category = serializers.PrimaryKeyRelatedField(
        queryset=ChangeCategory.objects.all(), allow_null=True, required=False
    )
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    revises = serializers.PrimaryKeyRelatedField(
        queryset=ChangeTemplate.objects.all(), write_only=True, required=False, allow_null=True
    )

    class Meta:
        model = ChangeTemplate
        fields = [
            "id",
            "key",
            "version_number",
            *TEMPLATE_FIELDS,
            "services",
            "configuration_items",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "retired_at",
            "revises",
        ]
        read_only_fields = [
            "id",
            "key",
            "version_number",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "retired_at",
        ]


class TemplateDecision(models.TextChoices):
    APPROVE = "approve", "Approve the proposed version"
    REJECT = "reject", "Reject the proposed version"
    RETIRE = "retire", "Retire the approved version"


class TemplateDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=TemplateDecision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DetectedWorkSerializer(serializers.Serializer):
    """Work seen on a configuration item by a tool (discovery, monitoring, an audit log)."""

    configuration_item = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), help_text="Id of the configuration item"
    )
    seen_at = serializers.DateTimeField(help_text="When the work was seen")
    description = serializers.CharField(max_length=4000, help_text="What was seen")
    source = serializers.CharField(max_length=40, help_text="What saw it, e.g. 'discovery'")
