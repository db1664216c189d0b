from rest_framework import serializers

from kaizen.notifications.categories import CATEGORIES, categories_for


class NotificationPreferenceSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="Category key, e.g. incident_updates")
    label = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(help_text="false: do not e-mail me about this")

    def validate_category(self, value: str) -> str:
        keys = [category.key for category in categories_for(self.context["request"].user)]
        if value not in keys:
            raise serializers.ValidationError(
                f"unknown category {value!r}; yours are {', '.join(keys)}"
            )
        return value

    @staticmethod
    def listing(preferences: dict[str, bool]) -> list[dict]:
        return [
            {"category": key, "label": CATEGORIES[key].label, "enabled": enabled}
            for key, enabled in preferences.items()
        ]
