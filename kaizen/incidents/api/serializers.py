"""Incidents over the API. Serializers parse and present; writes go to the services."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from kaizen.catalog.api.serializers import VisibleServiceField
from kaizen.catalog.models import ConfigurationItem, Location, Service, ServiceOffering
from kaizen.core.api.serializers import WholeItemSerializer
from kaizen.incidents.models import (
    Category,
    Impact,
    Incident,
    IncidentAttachment,
    IncidentComment,
    OnHoldReason,
    ResolutionCode,
    State,
    Urgency,
)
from kaizen.incidents.services import EDITABLE_FIELDS, allowed_targets
from kaizen.people.models import Team, User


def _team_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="Team slug",
        **kwargs,
    )


def _related(model: Any, help_text: str) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=model.objects.all(), allow_null=True, required=False, help_text=help_text
    )


PRIORITY_HELP = "1 critical, 2 high, 3 moderate, 4 low, 5 planning"


def level_field(name: str, required: bool = False) -> serializers.IntegerField:
    # Plain integers, not enums: impact and urgency share the values 1-3, and the schema
    # generator would warn about one choice set under two names.
    return serializers.IntegerField(
        min_value=1, max_value=3, required=required, help_text=f"{name}: 1 high, 2 medium, 3 low"
    )


READ_ONLY = [
    "number",
    "opened_by",
    "priority",
    "state",
    "on_hold_reason",
    "resolution_code",
    "resolution_notes",
    "opened_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "reassignment_count",
    "reopen_count",
    "sla_due_at",
    "sla_state",
    "updated_at",
    "imported_from",
    "recorded_sla_met",
    "source_attributes",
]
# Changed through their own endpoints, so a PATCH cannot bypass their rules.
MOVED_ELSEWHERE = {
    "state": "transition/",
    "on_hold_reason": "transition/",
    "resolution_code": "transition/",
    "resolution_notes": "transition/",
    "assignment_group": "assign/",
    "assignee": "assign/",
}


class IncidentSerializer(serializers.ModelSerializer):
    """The agents' view of an incident. PATCH needs the `version` you read (409 if it moved)."""

    caller = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="User id of the person affected"
    )
    caller_name = serializers.StringRelatedField(source="caller", read_only=True)
    opened_by = serializers.StringRelatedField(read_only=True)
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        allow_null=True,
        required=False,
        help_text="Service slug (a live service)",
    )
    offering = _related(ServiceOffering, "Offering id (of the service)")
    configuration_item = _related(ConfigurationItem, "Configuration item id")
    location = _related(Location, "Location id")
    category = _related(Category, "Category id (no parent)")
    subcategory = _related(Category, "Subcategory id (a child of `category`)")
    impact = level_field("Impact")
    urgency = level_field("Urgency")
    priority = serializers.IntegerField(read_only=True, help_text=PRIORITY_HELP)
    assignment_group = _team_field(read_only=False)
    assignee = _related(User, "User id of an agent in the assignment group")
    assignee_name = serializers.StringRelatedField(source="assignee", read_only=True)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="On PATCH: the version you read; a newer one on the server answers 409",
    )
    allowed_transitions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "number",
            *EDITABLE_FIELDS,
            "caller_name",
            "opened_by",
            "priority",
            "assignment_group",
            "assignee",
            "assignee_name",
            "state",
            "on_hold_reason",
            "resolution_code",
            "resolution_notes",
            "opened_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "cancelled_at",
            "reassignment_count",
            "reopen_count",
            "sla_due_at",
            "sla_state",
            "imported_from",
            "recorded_sla_met",
            "source_attributes",
            "version",
            "updated_at",
            "allowed_transitions",
            "url",
        ]
        read_only_fields = READ_ONLY

    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        return [state.value for state in allowed_targets(incident)]

    def get_url(self, incident: Incident) -> str:
        return reverse("incidents:detail", args=[incident.number])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            attrs.pop("version", None)
            return attrs
        moved = dict(MOVED_ELSEWHERE)
        if self.instance.state == State.ON_HOLD:
            moved["on_hold_reason"] = "hold-reason/"  # it stays on hold
        errors = {
            name: f"change it with POST /api/v1/incidents/{self.instance.number}/{endpoint}"
            for name, endpoint in moved.items()
            if name in self.initial_data
        }
        if "version" not in attrs:
            errors["version"] = "send the version you read, so nobody's change is overwritten"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PortalIncidentSerializer(serializers.ModelSerializer):
    """What a requester sees of their own incidents, and reports through the API."""

    service = VisibleServiceField(
        allow_null=True, required=False, help_text="Service slug (from the catalogue)"
    )
    urgency = level_field("Urgency")
    assignment_group = serializers.StringRelatedField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "number",
            "short_description",
            "description",
            "service",
            "urgency",
            "state",
            "on_hold_reason",
            "resolution_code",
            "resolution_notes",
            "assignment_group",
            "opened_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "url",
        ]
        read_only_fields = [
            "number",
            "state",
            "on_hold_reason",
            "resolution_code",
            "resolution_notes",
            "opened_at",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]

    def get_url(self, incident: Incident) -> str:
        return reverse("incidents:detail", args=[incident.number])


class TransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, help_text="Target state")
    on_hold_reason = serializers.ChoiceField(
        choices=OnHoldReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For on_hold",
    )
    resolution_code = serializers.ChoiceField(
        choices=ResolutionCode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For resolved",
    )
    resolution_notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For resolved"
    )
    version = serializers.IntegerField(min_value=1, help_text="The version you read")


class HoldReasonSerializer(serializers.Serializer):
    on_hold_reason = serializers.ChoiceField(
        choices=OnHoldReason.choices, help_text="What the incident on hold now waits for"
    )
    version = serializers.IntegerField(min_value=1, help_text="The version you read")


class AssignSerializer(serializers.Serializer):
    assignment_group = _team_field()
    assignee = _related(User, "User id of an agent in the group; null: nobody")
    version = serializers.IntegerField(min_value=1, help_text="The version you read")


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField(read_only=True)
    is_work_note = serializers.BooleanField(
        default=False, help_text="Work notes are for agents; the caller never sees them"
    )

    class Meta:
        model = IncidentComment
        fields = ["id", "author", "body", "is_work_note", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": IncidentComment.MAX_LENGTH}}


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text="multipart/form-data upload")
    uploaded_by = serializers.StringRelatedField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = IncidentAttachment
        fields = [
            "id",
            "file",
            "original_name",
            "size",
            "content_type",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = ["id", "original_name", "size", "content_type", "created_at"]

    def get_download_url(self, attachment: IncidentAttachment) -> str:
        return reverse(
            "incident-attachment-download",
            kwargs={"number": attachment.incident.number, "attachment_id": attachment.pk},
        )


class MatrixCellSerializer(WholeItemSerializer):
    impact = level_field("Impact", required=True)
    urgency = level_field("Urgency", required=True)
    priority = serializers.IntegerField(min_value=1, max_value=5, help_text=PRIORITY_HELP)


class PriorityMatrixSerializer(serializers.Serializer):
    cells = MatrixCellSerializer(many=True)

    def validate_cells(self, cells: list[dict[str, int]]) -> list[dict[str, int]]:
        seen = set()
        for cell in cells:
            key = (cell["impact"], cell["urgency"])
            if key in seen:
                raise serializers.ValidationError(
                    f"impact {key[0]}, urgency {key[1]} is given twice"
                )
            seen.add(key)
        if not self.partial and len(seen) != len(Impact) * len(Urgency):
            raise serializers.ValidationError("PUT needs all nine cells; PATCH changes some")
        return cells


class CategorySerializer(serializers.ModelSerializer):
    """A category (no parent) or a subcategory. POST: `name` and optional `parent`; PATCH:
    `name`, `is_active` (a category keeps its parent)."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the top-level category this is a subcategory of; null: top level",
    )
    full_name = serializers.CharField(source="__str__", read_only=True)
    is_active = serializers.BooleanField(
        required=False,
        help_text="Inactive: no longer offered for incidents; deactivating a category "
        "deactivates its subcategories",
    )
    incident_count = serializers.IntegerField(
        read_only=True, help_text="Incidents filed under it (a subcategory: under it as such)"
    )

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "full_name", "is_active", "incident_count"]
        read_only_fields = ["id"]
        validators: list = []  # names are checked by the service, case-insensitively

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("is_active") is False:
            raise serializers.ValidationError(
                {"is_active": "a new category starts active; deactivate it afterwards"}
            )
        if self.instance is None:
            attrs.pop("is_active", None)
        return attrs
