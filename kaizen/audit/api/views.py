from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.audit.api.serializers import JournalEventSerializer, JournalFeedSerializer
from kaizen.audit.filters import JournalEventFilter
from kaizen.audit.permissions import can_view_audit
from kaizen.journal.selectors import audit_events, events_after

FEED_MAX = 1000


class CanViewAudit(permissions.BasePermission):
    message = "The journal is for administrators and process owners/managers."

    def has_permission(self, request: Request, view: object) -> bool:
        return can_view_audit(request.user)


class FeedQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=FEED_MAX, default=500)


class JournalEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The event journal: read-only. Filter by record (`subject_type` + `subject_id`) and time."""

    serializer_class = JournalEventSerializer
    permission_classes = [permissions.IsAuthenticated, CanViewAudit]
    filterset_class = JournalEventFilter
    ordering_fields = ["id", "occurred_at"]
    ordering = ["id"]

    def get_queryset(self):
        return audit_events()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Cursor: last id already read (0 to start)"
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most this many events (<= {FEED_MAX})"
            ),
        ],
        responses=JournalFeedSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def feed(self, request: Request) -> Response:
        """Incremental reading for consumers (analytics sync, exports): events after a cursor.

        Oldest first. Store `next_cursor` and pass it as `after` next time; no event is ever
        skipped, even when transactions commit out of id order. Record filters apply.
        """
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filtered = self.filter_queryset(self.get_queryset())
        events, next_cursor = events_after(
            filtered, query.validated_data["after"], query.validated_data["limit"]
        )
        has_more = filtered.filter(id__gt=next_cursor).exists()
        return Response(
            {
                "events": JournalEventSerializer(events, many=True).data,
                "next_cursor": next_cursor,
                "has_more": has_more,
            }
        )
