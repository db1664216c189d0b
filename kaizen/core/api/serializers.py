"""Serializer pieces shared by the apps' APIs."""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers


class WholeItemSerializer(serializers.Serializer):
    """An item of a list that a request replaces as a whole (a calendar's periods, a
    definition's escalation steps, the priority matrix's cells).

    DRF skips missing fields everywhere under a partial update (PATCH), nested items included,
    and code reading an item's keys then fails with a server error. A PATCH that gives such a
    list still gives each item whole, so its required fields are checked here whatever the
    update: a missing one is a 400 naming it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            missing = {
                name: [field.error_messages["required"]]
                for name, field in self.fields.items()
                if field.required and not field.read_only and name not in data
            }
            if missing:
                raise serializers.ValidationError(missing)
        return super().to_internal_value(data)


class VersionedSerializer(serializers.ModelSerializer):
    """A record with optimistic locking: it shows its `version`, and an update (PATCH or PUT)
    must send the version the client read, so nobody's change is overwritten unseen; a newer
    one on the server answers 409 with `current_version` (kaizen.api.errors). List "version" in
    Meta.fields."""

    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="On PATCH or PUT: the version you read; a newer one on the server answers 409",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None:
            attrs.pop("version", None)
        elif "version" not in attrs:
            raise serializers.ValidationError(
                {"version": "send the version you read, so nobody's change is overwritten"}
            )
        return attrs


def versioned_update(serializer: serializers.Serializer) -> tuple[int, dict[str, Any]]:
    """The version a VersionedSerializer's update sent, and the fields to change."""
    fields = dict(serializer.validated_data)
    return fields.pop("version"), fields


def versioned_updates(serializer: type[serializers.Serializer], noun: str) -> Any:
    """The schema of a viewset whose PATCH and PUT take a VersionedSerializer: 409 too."""
    conflict = OpenApiResponse(description=f"The {noun} changed since you read `version`")
    answers = {200: serializer, 409: conflict}
    return extend_schema_view(
        update=extend_schema(responses=answers), partial_update=extend_schema(responses=answers)
    )
