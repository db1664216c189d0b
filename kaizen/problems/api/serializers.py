"""Problems over the API. Serializers parse and present; writes go to the services."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.core.api.ticket_activity import attachment_serializer_for, comment_serializer_for
from kaizen.people.models import Team, User
from kaizen.problems.models import (
    AnalysisMethod,
    CauseCategory,
    ClosureCode,
    LinkedIncident,
    Problem,
    ProblemAttachment,
    ProblemComment,
    State,
)
from kaizen.problems.services.lifecycle import LinkedIncidents, allowed_targets
from kaizen.problems.services.records import EDITABLE_FIELDS

# What the problem records as it moves (the transition endpoint writes them): read-only here.
RECORDED_FIELDS = (
    "state",
    "closure_code",
    "closure_notes",
    "duplicate_of",
    "risk_review_on",
    "origin",
    "opened_at",
    "assessed_at",
    "root_cause_at",
    "known_error_at",
    "workaround_at",
    "fix_started_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "reference_only",
    "imported_from",
)


class ProblemSerializer(serializers.ModelSerializer):
    """A problem. POST raises one in New; PATCH edits what it says and its analysis and needs
    the `version` you read (409 if it moved on). States move through `transition/`."""

    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the services",
    )
    configuration_items = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the configuration items",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False, help_text="User id"
    )
    assignment_group = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="Team slug",
    )
    impact = serializers.IntegerField(min_value=1, max_value=3, required=False)
    urgency = serializers.IntegerField(min_value=1, max_value=3, required=False)
    priority = serializers.IntegerField(read_only=True, help_text="1 critical … 4 low")
    cause_category = serializers.ChoiceField(
        choices=CauseCategory.choices, required=False, allow_blank=True
    )
    analysis_method = serializers.ChoiceField(
        choices=AnalysisMethod.choices, required=False, allow_blank=True
    )
    analysis = serializers.JSONField(
        required=False,
        help_text='five_whys: {"steps": [{"why": …, "because": …}]}; four_ps: '
        '{"people": […], "process": […], "products": […], "partners": […]}',
    )
    duplicate_of = serializers.SlugRelatedField(slug_field="number", read_only=True)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="On PATCH: the version you read; a newer one on the server answers 409",
    )
    incident_count = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "number",
            *EDITABLE_FIELDS,
            "services",
            "configuration_items",
            "priority",
            *RECORDED_FIELDS,
            "version",
            "updated_at",
            "incident_count",
            "allowed_transitions",
            "url",
        ]
        read_only_fields = ["number", *RECORDED_FIELDS, "updated_at"]

    def get_incident_count(self, problem: Problem) -> int:
        count = getattr(problem, "incident_count", None)
        return problem.incident_links.count() if count is None else count

    def get_allowed_transitions(self, problem: Problem) -> list[str]:
        return [state.value for state in allowed_targets(problem)]

    def get_url(self, problem: Problem) -> str:
        return reverse("problems:detail", args=[problem.number])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            attrs.pop("version", None)
            return attrs
        errors = {
            name: f"change it with POST /api/v1/problems/{self.instance.number}/transition/"
            for name in ("state", "closure_code", "closure_notes", "risk_review_on")
            if name in self.initial_data
        }
        if "version" not in attrs:
            errors["version"] = "send the version you read, so nobody's change is overwritten"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ProblemTransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, help_text="Target state")
    closure_code = serializers.ChoiceField(
        choices=ClosureCode.choices, required=False, allow_blank=True, default=""
    )
    duplicate_of = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Problem.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For a duplicate: the number of the problem it duplicates",
    )
    risk_review_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For risk accepted"
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="Why: for cancelled, risk accepted and re-opening",
    )
    linked_incidents = serializers.ChoiceField(
        choices=LinkedIncidents.CHOICES,
        required=False,
        default=LinkedIncidents.LEAVE,
        help_text="On resolving: what happens to the linked open incidents",
    )
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class LinkedIncidentSerializer(serializers.ModelSerializer):
    linked_by = serializers.StringRelatedField()
    known_error = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = LinkedIncident
        fields = [
            "incident_number",
            "incident_opened_at",
            "linked_at",
            "linked_by",
            "known_error",
            "workaround_applied",
            "workaround_applied_at",
        ]
        read_only_fields = fields


class LinkIncidentsSerializer(serializers.Serializer):
    incidents = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=500,
        help_text="Incident numbers",
    )


ProblemCommentSerializer = comment_serializer_for(ProblemComment)
ProblemAttachmentSerializer = attachment_serializer_for(
    ProblemAttachment, "problems:attachment_download"
)
