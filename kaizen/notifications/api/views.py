"""The caller's own notification preferences. There is no way to name another person."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaizen.notifications import services
from kaizen.notifications.api.serializers import NotificationPreferenceSerializer
from kaizen.notifications.selectors import preferences_for


class NotificationPreferencesView(APIView):
    """One entry per category you can receive. PATCH changes the categories listed; PUT must
    list every category. Each change is journaled."""

    parser_classes = [JSONParser]  # the body is a list, which forms cannot express

    @extend_schema(responses=NotificationPreferenceSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(NotificationPreferenceSerializer.listing(preferences_for(request.user)))

    @extend_schema(
        request=NotificationPreferenceSerializer(many=True),
        responses=NotificationPreferenceSerializer(many=True),
    )
    def put(self, request: Request) -> Response:
        return self._change(request, every_category=True)

    @extend_schema(
        request=NotificationPreferenceSerializer(many=True),
        responses=NotificationPreferenceSerializer(many=True),
    )
    def patch(self, request: Request) -> Response:
        return self._change(request, every_category=False)

    def _change(self, request: Request, *, every_category: bool) -> Response:
        body = NotificationPreferenceSerializer(
            data=request.data, many=True, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        enabled = {item["category"]: item["enabled"] for item in body.validated_data}
        if len(enabled) != len(body.validated_data):
            raise ValidationError({"category": ["each category may be listed once"]})
        missing = [key for key in preferences_for(request.user) if key not in enabled]
        if every_category and missing:
            raise ValidationError(
                {"category": [f"PUT lists every category; missing: {', '.join(missing)}"]}
            )
        saved = services.do_set_notification_preferences(request.user, enabled, actor=request.user)
        return Response(NotificationPreferenceSerializer.listing(saved))
