"""Request types, requests, their approvals and fulfilment tasks over the API. Serializers
parse and present; every write goes to a `do_*` service."""

from typing import Any

from django.urls import NoReverseMatch
from rest_framework import serializers

from kaizen.catalog.models import ServiceOffering
from kaizen.core.api.serializers import VersionedSerializer
from kaizen.core.api.ticket_activity import attachment_serializer_for, comment_serializer_for
from kaizen.people.models import Team, User
from kaizen.requests.form_schema import describe_answers
from kaizen.requests.models import (
    ApprovalVote,
    FulfilmentTask,
    HoldReason,
    RequestApproval,
    RequestAttachment,
    RequestComment,
    RequestType,
    ServiceRequest,
)
from kaizen.requests.services.lifecycle import allowed_targets
from kaizen.sla.models import SLADefinition

LIST_HELP = "Replaces the whole list; leave it out to keep it as it is."


def _team_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Team slug",
        **kwargs,
    )


class RequestTypeSerializer(VersionedSerializer):
    """A request type on an offering: its form (`form_fields`, docs/requests.md describes a
    field), approval steps and fulfilment tasks. Changing `form_fields` makes a new form
    version; requests already made keep theirs."""

    offering = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOffering.objects.all(), help_text="Offering id"
    )
    offering_name = serializers.CharField(source="offering.name", read_only=True)
    service = serializers.CharField(source="offering.service.slug", read_only=True)
    fulfilment_group = _team_field()
    allowed_teams = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        many=True,
        required=False,
        help_text="Team slugs (for a restricted audience)",
    )
    allowed_people = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text="User ids (for a restricted audience)",
    )
    delivery_target = serializers.PrimaryKeyRelatedField(
        queryset=SLADefinition.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of a resolution SLA definition of service requests",
    )
    form_fields = serializers.JSONField(
        required=False,
        help_text='The current form: [{"key", "label", "type", "required", "help", '
        '"choices", "show_if": {"field", "equals"}, ...}]. ' + LIST_HELP,
    )
    form_version = serializers.IntegerField(
        source="current_form.number", read_only=True, allow_null=True
    )
    approval_steps = serializers.JSONField(
        required=False,
        help_text='[{"name", "approver_source": requester_manager|service_owner|team|people, '
        '"team": team id, "people": [user ids], "policy": any|all|k_of_n, "required", '
        '"due_hours", "due_action": approve|reject}], in order. ' + LIST_HELP,
    )
    tasks = serializers.JSONField(
        required=False,
        help_text='[{"position", "title", "instructions", "team": team id}]; the same '
        "position runs in parallel. " + LIST_HELP,
    )

    class Meta:
        model = RequestType
        fields = [
            "id",
            "offering",
            "offering_name",
            "service",
            "name",
            "summary",
            "description",
            "is_active",
            "audience",
            "allowed_teams",
            "allowed_people",
            "fulfilment_group",
            "delivery_target",
            "price",
            "cost",
            "currency",
            "form_fields",
            "form_version",
            "approval_steps",
            "tasks",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # The service reports a duplicate name on `name`.
        validators: list = []

    def to_representation(self, instance: RequestType) -> dict[str, Any]:
        data = super().to_representation(instance)
        form = instance.current_form
        data["form_fields"] = form.fields if form else []
        # As the services describe them (services/types.py), from the rows the view prefetched:
        # no query per type in a list.
        data["approval_steps"] = [
            {
                "position": step.position,
                "name": step.name,
                "approver_source": step.approver_source,
                "team": step.team_id,
                "people": sorted(person.pk for person in step.people.all()),
                "policy": step.policy,
                "required": step.required,
                "due_hours": step.due_hours,
                "due_action": step.due_action,
            }
            for step in instance.approval_steps.all()
        ]
        data["tasks"] = [
            {
                "position": task.position,
                "title": task.title,
                "instructions": task.instructions,
                "team": task.team_id,
            }
            for task in instance.task_templates.all()
        ]
        return data


class VoteSerializer(serializers.ModelSerializer):
    approver = serializers.IntegerField(source="approver_id", read_only=True)
    approver_name = serializers.CharField(source="approver", read_only=True)
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ApprovalVote
        fields = ["approver", "approver_name", "decision", "decided_by", "decided_at", "comment"]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    """One approval step of a request and its approvers' votes."""

    request = serializers.CharField(source="request.number", read_only=True)
    request_title = serializers.CharField(source="request.title", read_only=True)
    votes = VoteSerializer(many=True, read_only=True)

    class Meta:
        model = RequestApproval
        fields = [
            "id",
            "request",
            "request_title",
            "position",
            "name",
            "approver_source",
            "policy",
            "required",
            "state",
            "started_at",
            "due_at",
            "due_action",
            "decided_at",
            "outcome_note",
            "votes",
        ]
        read_only_fields = fields


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        help_text="approve or reject (as services/approvals.py decides)",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class TaskSerializer(VersionedSerializer):
    """A fulfilment task. PATCH changes its assignee (send the `version` you read); its state
    moves through the actions start/hold/resume/complete/fail."""

    request = serializers.CharField(source="request.number", read_only=True)
    assignment_group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="User id (a member of the task's team)",
    )
    assignee_name = serializers.CharField(source="assignee", read_only=True, allow_null=True)

    class Meta:
        model = FulfilmentTask
        fields = [
            "number",
            "request",
            "position",
            "title",
            "instructions",
            "assignment_group",
            "assignee",
            "assignee_name",
            "state",
            "hold_reason",
            "opened_at",
            "ready_at",
            "started_at",
            "finished_at",
            "outcome_note",
            "sla_due_at",
            "sla_state",
            "version",
            "updated_at",
        ]
        read_only_fields = [name for name in fields if name not in ("assignee", "version")]


class TaskActionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="hold: one of the hold reasons; fail: why it cannot be done",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4000, help_text="complete"
    )
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class RequestSerializer(serializers.ModelSerializer):
    """A service request as lists show it."""

    request_type_name = serializers.CharField(source="request_type.name", read_only=True)
    offering = serializers.IntegerField(source="offering_id", read_only=True)
    service = serializers.CharField(source="service.slug", read_only=True)
    requested_for = serializers.IntegerField(source="requested_for_id", read_only=True)
    requested_for_name = serializers.CharField(source="requested_for", read_only=True)
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True)
    assignment_group = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.IntegerField(source="assignee_id", read_only=True, allow_null=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "number",
            "title",
            "request_type",
            "request_type_name",
            "offering",
            "service",
            "requested_for",
            "requested_for_name",
            "requested_by",
            "channel",
            "state",
            "state_label",
            "hold_reason",
            "assignment_group",
            "assignee",
            "price",
            "opened_at",
            "approved_at",
            "fulfilled_at",
            "closed_at",
            "sla_due_at",
            "sla_state",
            "version",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, request: ServiceRequest) -> str | None:
        # The request's page (kaizen/requests/portal_urls.py); None in a build without it.
        try:
            return request.get_absolute_url()
        except NoReverseMatch:
            return None


class AnswerLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField()


class RequestDetailSerializer(RequestSerializer):
    """A request with what it asked (`answers` as given, `answers_described` as a person
    reads them), its approval steps and its tasks."""

    form_version = serializers.IntegerField(
        source="form_version.number", read_only=True, allow_null=True
    )
    answers_described = serializers.SerializerMethodField()
    approvals = ApprovalSerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields,
            "form_version",
            "answers",
            "answers_described",
            "failure_reason",
            "rejection_reason",
            "cancellation_reason",
            "responded_at",
            "approval_requested_at",
            "rejected_at",
            "fulfilment_started_at",
            "failed_at",
            "cancelled_at",
            "approvals",
            "tasks",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_answers_described(self, request: ServiceRequest) -> list[dict[str, str]]:
        fields = request.form_version.fields if request.form_version else []
        lines = describe_answers(fields, request.answers)
        return AnswerLineSerializer(lines, many=True).data

    def get_allowed_transitions(self, request: ServiceRequest) -> list[str]:
        return [state.value for state in allowed_targets(request)]


class SubmitSerializer(serializers.Serializer):
    """Submit a request: the type, the answers to its current form (keyed by field key; an
    error names the key under `answers`) and, for agents, who it is for."""

    request_type = serializers.PrimaryKeyRelatedField(
        queryset=RequestType.objects.select_related("offering__service", "current_form"),
        help_text="Request type id",
    )
    answers = serializers.DictField(required=False, default=dict)
    requested_for = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="User id of who it is for (agents only; yourself when left out)",
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class RequestUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    assignment_group = _team_field()
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="User id",
    )
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a newer one on the server answers 409"
    )


class RequestActionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="cancel: why (optional); fail: why (required); hold: "
        + ", ".join(HoldReason.values),
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The version you read (optional); a newer one answers 409",
    )


RequestCommentSerializer = comment_serializer_for(RequestComment)
RequestAttachmentSerializer = attachment_serializer_for(
    RequestAttachment, "requests:attachment_download"
)
