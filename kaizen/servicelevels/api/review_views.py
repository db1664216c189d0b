"""Service review endpoints: reviews (list, read, schedule, PATCH with its version), holding
and cancelling one, and the actions agreed at it.

Agents read; service level managers and the agreement's owner write (kaizen.servicelevels.
reviews). Each write calls one service: a domain ValidationError becomes a 400 naming the
field, a version conflict a 409 with the current version (kaizen.api.errors).
"""

from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaizen.core.api.serializers import versioned_update
from kaizen.servicelevels import reviews as selectors
from kaizen.servicelevels.api.review_serializers import (
    CancelReviewSerializer,
    HoldReviewSerializer,
    ReviewActionSerializer,
    ServiceReviewSerializer,
)
from kaizen.servicelevels.models import ReviewAction, ServiceReview
from kaizen.servicelevels.permissions import (
    can_schedule_reviews,
    can_view_agreements,
    can_work_review,
)
from kaizen.servicelevels.review_filters import ServiceReviewFilter
from kaizen.servicelevels.services.reviews import (
    do_add_review_action,
    do_cancel_review,
    do_hold_review,
    do_schedule_review,
    do_update_review,
    do_update_review_action,
)

CONFLICT = OpenApiResponse(description="The review changed since you read `version`")
ACTION_CONFLICT = OpenApiResponse(description="The action changed since you read `version`")


class ViewReviews(permissions.BasePermission):
    message = "Service reviews are for IT staff."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_agreements(request.user)


def _require_worker(user: Any, review: ServiceReview) -> None:
    if not can_work_review(user, review):
        raise exceptions.PermissionDenied(
            "Service level managers and the agreement's owner work on its service reviews."
        )


def reviews_with_actions(user: Any) -> Any:
    return selectors.reviews_for(user).prefetch_related(
        Prefetch("actions", queryset=ReviewAction.objects.select_related("owner"))
    )


class ServiceReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Service reviews, by number (filters: `status` scheduled, held, cancelled or overdue;
    `agreement` by number; `due_from`, `due_to`; `q`). No DELETE: cancel a review instead."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    serializer_class = ServiceReviewSerializer
    permission_classes = [permissions.IsAuthenticated, ViewReviews]
    filterset_class = ServiceReviewFilter
    ordering_fields = ["number", "due_on", "period_start", "status", "held_on", "updated_at"]
    ordering = ["-due_on", "number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return reviews_with_actions(self.request.user).select_related("agreement__owner")

    def _answer(self, review: ServiceReview, code: int = status.HTTP_200_OK) -> Response:
        reloaded = self.get_queryset().get(pk=review.pk)
        data = ServiceReviewSerializer(reloaded, context={"request": self.request}).data
        return Response(data, status=code)

    def perform_create(self, serializer: Any) -> None:
        fields = dict(serializer.validated_data)
        if not can_schedule_reviews(self.request.user, fields["agreement"]):
            raise exceptions.PermissionDenied(
                "Service level managers and the agreement's owner schedule its reviews."
            )
        review = do_schedule_review(fields.pop("agreement"), actor=self.request.user, **fields)
        serializer.instance = self.get_queryset().get(pk=review.pk)

    @extend_schema(responses={200: ServiceReviewSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(responses={200: ServiceReviewSerializer, 409: CONFLICT})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        _require_worker(self.request.user, serializer.instance)
        version, fields = versioned_update(serializer)
        review = do_update_review(
            serializer.instance, actor=self.request.user, expected_version=version, fields=fields
        )
        serializer.instance = self.get_queryset().get(pk=review.pk)

    @extend_schema(
        request=HoldReviewSerializer, responses={200: ServiceReviewSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def hold(self, request: Request, number: str) -> Response:
        """Record the review as held: the day, who attended, the minutes."""
        review = self.get_object()
        _require_worker(request.user, review)
        serializer = HoldReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        held = do_hold_review(
            review, actor=request.user, expected_version=fields.pop("version"), **fields
        )
        return self._answer(held)

    @extend_schema(
        request=CancelReviewSerializer, responses={200: ServiceReviewSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request: Request, number: str) -> Response:
        """Cancel a review not held, with the reason: it no longer counts as due."""
        review = self.get_object()
        _require_worker(request.user, review)
        serializer = CancelReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cancelled = do_cancel_review(
            review, actor=request.user, expected_version=data["version"], reason=data["reason"]
        )
        return self._answer(cancelled)

    @extend_schema(
        methods=["GET"], request=None, responses={200: ReviewActionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"], request=ReviewActionSerializer, responses={201: ReviewActionSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        serializer_class=ReviewActionSerializer,
    )
    def actions(self, request: Request, number: str) -> Response:
        """The actions agreed at the review (GET), or agree one (POST: open)."""
        review = self.get_object()
        if request.method == "GET":
            rows = ReviewActionSerializer(review.actions.all(), many=True).data
            return Response(rows)
        _require_worker(request.user, review)
        serializer = ReviewActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("status", None)
        added = do_add_review_action(review, actor=request.user, **fields)
        added = ReviewAction.objects.select_related("owner").get(pk=added.pk)
        return Response(ReviewActionSerializer(added).data, status=status.HTTP_201_CREATED)


class ReviewActionView(APIView):
    """One action agreed at a review: read it, or PATCH it with the `version` read."""

    permission_classes = [permissions.IsAuthenticated, ViewReviews]
    serializer_class = ReviewActionSerializer

    def _action(self, request: Request, number: str, pk: int) -> ReviewAction:
        review = get_object_or_404(selectors.reviews_for(request.user), number=number)
        return get_object_or_404(review.actions.select_related("owner", "review"), pk=pk)

    @extend_schema(responses={200: ReviewActionSerializer})
    def get(self, request: Request, number: str, pk: int) -> Response:
        return Response(ReviewActionSerializer(self._action(request, number, pk)).data)

    @extend_schema(
        request=ReviewActionSerializer,
        responses={200: ReviewActionSerializer, 409: ACTION_CONFLICT},
    )
    def patch(self, request: Request, number: str, pk: int) -> Response:
        review_action = self._action(request, number, pk)
        _require_worker(request.user, review_action.review)
        serializer = ReviewActionSerializer(review_action, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version, fields = versioned_update(serializer)
        saved = do_update_review_action(
            review_action, actor=request.user, expected_version=version, fields=fields
        )
        saved = ReviewAction.objects.select_related("owner").get(pk=saved.pk)
        return Response(ReviewActionSerializer(saved).data)
