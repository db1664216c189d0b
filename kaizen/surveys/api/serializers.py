"""Surveys over the API. Serializers parse and present; writes go to the services."""

from typing import Any

from rest_framework import serializers

from kaizen.surveys.models import (
    FollowUp,
    FollowUpOutcome,
    Invitation,
    Question,
    QuestionKind,
    SurveyDefinition,
    SurveyTrigger,
    SurveyVersion,
    TriggerOutcome,
)


class SurveyQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ("id", "position", "kind", "text", "options", "required", "is_headline")


class SurveyVersionSerializer(serializers.ModelSerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyVersion
        fields = ("number", "introduction", "published_at", "questions")


class SurveySerializer(serializers.ModelSerializer):
    """A survey with its current version (the questions asked now)."""

    current_version = serializers.SerializerMethodField()

    class Meta:
        model = SurveyDefinition
        fields = (
            "slug",
            "name",
            "description",
            "is_active",
            "low_rating_max",
            "low_nps_max",
            "follow_up_not_resolved",
            "follow_up_hours",
            "follow_up_calendar",
            "offer_reopen",
            "version",
            "current_version",
        )
        read_only_fields = ("slug", "version", "current_version")

    def get_current_version(self, definition: SurveyDefinition) -> dict[str, Any] | None:
        versions = sorted(definition.versions.all(), key=lambda v: -v.number)
        return SurveyVersionSerializer(versions[0]).data if versions else None


class SurveyQuestionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField(max_length=300)
    options = serializers.ListField(child=serializers.CharField(), required=False)
    required = serializers.BooleanField(required=False, default=False)
    is_headline = serializers.BooleanField(required=False, default=False)


class SurveyPublishSerializer(serializers.Serializer):
    introduction = serializers.CharField(required=False, allow_blank=True, default="")
    questions = SurveyQuestionInputSerializer(many=True)


class SurveyTriggerSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(
        source="definition", slug_field="slug", queryset=SurveyDefinition.objects.all()
    )
    outcome = serializers.ChoiceField(choices=TriggerOutcome.choices, required=False)

    class Meta:
        model = SurveyTrigger
        fields = (
            "id",
            "survey",
            "kind",
            "outcome",
            "is_active",
            "inclusion_rate",
            "strata",
            "service_ids",
            "priorities",
            "team_ids",
            "channels",
            "exclude_agent_self_service",
            "exclude_auto_closed",
            "excluded_addresses",
            "cooldown_days",
            "cap_count",
            "cap_days",
            "delay_minutes",
            "window_start_hour",
            "window_end_hour",
            "expiry_days",
            "reminder_after_days",
            "version",
        )
        read_only_fields = ("id", "version")


class SurveyInvitationSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(source="definition", slug_field="slug", read_only=True)
    survey_version = serializers.IntegerField(source="survey_version.number", read_only=True)
    recipient = serializers.CharField(source="recipient.username", read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Invitation
        fields = (
            "id",
            "survey",
            "survey_version",
            "source_key",
            "ticket_number",
            "ticket_title",
            "recipient",
            "service",
            "team",
            "priority",
            "sla_breached",
            "inclusion_probability",
            "state",
            "triggered_at",
            "scheduled_for",
            "sent_at",
            "reminded_at",
            "answered_at",
            "expired_at",
            "expires_at",
            "answers",
            "score",
            "said_resolved",
            "reopen_requested",
        )
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="Question id -> answer: 1-5, 0-10, true/false, an option, or text"
    )
    reopen = serializers.BooleanField(
        required=False, default=False, help_text="If not resolved: reopen the ticket"
    )


class SurveyLinkAnswerSerializer(SurveyAnswerSerializer):
    token = serializers.CharField(help_text="The token of the e-mail's link (/surveys/a/<token>/)")


class SurveyFollowUpSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="invitation.ticket_number", read_only=True)
    invitation = serializers.PrimaryKeyRelatedField(read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = FollowUp
        fields = (
            "id",
            "invitation",
            "ticket_number",
            "reason",
            "owner",
            "team",
            "opened_at",
            "due_at",
            "state",
            "outcome",
            "outcome_notes",
            "contacted_requester",
            "done_at",
            "version",
        )
        read_only_fields = fields


class SurveyFollowUpCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    outcome_notes = serializers.CharField(required=False, allow_blank=True, default="")
    contacted_requester = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, help_text="The version you read")
