"""Mailboxes and received messages in the API. A stored password is write-only."""

from typing import Any

from rest_framework import serializers

from kaizen.mailin.models import InboundMessage, Mailbox
from kaizen.mailin.services.mailboxes import FIELDS


class MailboxSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )
    password_stored = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False, help_text="On PATCH/PUT: the version you read (409 if it changed)."
    )

    class Meta:
        model = Mailbox
        fields = [
            "id",
            *FIELDS,
            "password_stored",
            "last_fetched_at",
            "last_error",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_fetched_at", "last_error", "created_at", "updated_at"]
        # Uniqueness is the service's to check (it names the field in words).
        extra_kwargs = {"name": {"validators": []}, "address": {"validators": []}}

    def get_password_stored(self, mailbox: Mailbox) -> bool:
        return bool(mailbox.password)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": ["send the version you read"]})
        return attrs


class InboundMessageSerializer(serializers.ModelSerializer):
    mailbox = serializers.SlugRelatedField(slug_field="name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "mailbox",
            "message_id",
            "identity",
            "via",
            "sender",
            "subject",
            "size",
            "state",
            "state_label",
            "reason",
            "outcome",
            "ticket_number",
            "received_at",
            "held_until",
            "processed_at",
            "attempts",
            "flagged_at",
        ]
        read_only_fields = fields
