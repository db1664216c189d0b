"""Serializer pieces shared by the apps' APIs."""

from collections.abc import Mapping
from typing import Any

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
