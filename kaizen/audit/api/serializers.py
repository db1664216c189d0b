from rest_framework import serializers

from kaizen.journal.models import JournalEvent


class JournalEventSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    actor = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = JournalEvent
        fields = [
            "id",
            "occurred_at",
            "event_type",
            "actor",
            "actor_repr",
            "subject_type",
            "subject_id",
            "subject_repr",
            "changes",
            "data",
            "correlation_id",
        ]
        read_only_fields = fields

    def get_subject_type(self, event: JournalEvent) -> str:
        return f"{event.subject_type.app_label}.{event.subject_type.model}"


class JournalFeedSerializer(serializers.Serializer):
    events = JournalEventSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text="Pass as `after` to read on")
    has_more = serializers.BooleanField()
