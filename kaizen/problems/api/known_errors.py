"""The known-error database over the API: agents list, search, read and apply known errors and
ask for suggestions while typing an incident; problem managers record, edit, publish and
retire them; anyone signed in reads the self-help articles published to the portal.

Reads go through kaizen.problems.known_error_selectors; writes ask kaizen.problems.permissions
(403) and call one service, whose ValidationError is a 400 naming the field and whose conflict
(a stale version, a status that refuses the step) is a 409.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.problems.known_error_filters import ArticleFilter, KnownErrorFilter
from kaizen.problems.known_error_selectors import known_errors_for, portal_articles_for
from kaizen.problems.models import KnownError, Problem
from kaizen.problems.permissions import can_manage_problems, can_work_problems
from kaizen.problems.services import known_errors as services
from kaizen.problems.suggestions import IncidentText, suggest_known_errors

CONFLICT = OpenApiResponse(description="The known error moved on, or its status refuses this")


class KnownErrorSerializer(serializers.ModelSerializer):
    """A known error. POST records a draft from its `problem` (number; the texts, services and
    CIs not given are copied from it); PATCH edits it with the `version` you read."""

    problem = serializers.SlugRelatedField(
        slug_field="number", queryset=Problem.objects.all(), help_text="The problem's number"
    )
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Service slugs (default on POST: the problem's)",
    )
    configuration_items = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(),
        many=True,
        required=False,
        help_text="CI ids (default on POST: the problem's)",
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="On PATCH: the version you read; a newer one on the server answers 409",
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = KnownError
        fields = [
            "number",
            "problem",
            *services.EDITABLE_FIELDS,
            "services",
            "configuration_items",
            "status",
            "published_to_portal",
            *services.PORTAL_FIELDS,
            "created_at",
            "published_at",
            "retired_at",
            "version",
            "updated_at",
            "url",
        ]
        read_only_fields = [
            "number",
            "status",
            "published_to_portal",
            "created_at",
            "published_at",
            "retired_at",
            "updated_at",
        ]
        extra_kwargs = {"symptom": {"required": False}, "title": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            attrs.pop("version", None)
            for name in services.PORTAL_FIELDS:
                if name in attrs:
                    raise serializers.ValidationError({name: "set it when publishing"})
            return attrs
        if "problem" in attrs and attrs["problem"] != self.instance.problem:
            raise serializers.ValidationError({"problem": "a known error stays with its problem"})
        attrs.pop("problem", None)
        if "version" not in attrs:
            raise serializers.ValidationError(
                {"version": "send the version you read, so nobody's change is overwritten"}
            )
        return attrs


class PublishSerializer(serializers.Serializer):
    to_portal = serializers.BooleanField(default=False, help_text="Also a portal article")
    portal_title = serializers.CharField(required=False, allow_blank=True, default="")
    portal_body = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class RetireSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ApplySerializer(serializers.Serializer):
    incident = serializers.CharField(help_text="The incident's number")
    copy_workaround = serializers.BooleanField(
        default=True, help_text="Add the workaround to the incident as a work note"
    )


class AppliedSerializer(serializers.Serializer):
    known_error = serializers.CharField(source="known_error.number")
    problem = serializers.CharField(source="problem.number")
    incident = serializers.CharField(source="incident_number")
    workaround_applied = serializers.BooleanField()


class SuggestQuerySerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    service = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    configuration_item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    category = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)


class SuggestionSerializer(serializers.Serializer):
    number = serializers.CharField(source="known_error.number")
    title = serializers.CharField(source="known_error.title")
    symptom = serializers.CharField(source="known_error.symptom")
    workaround = serializers.CharField(source="known_error.workaround")
    problem = serializers.CharField(source="known_error.problem.number", default=None)
    url = serializers.CharField(source="known_error.get_absolute_url")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class KnownErrorAccess(permissions.BasePermission):
    """Agents read and apply; problem managers write. Requesters read the articles instead."""

    message = "The known-error database is for agents; others read /api/v1/known-error-articles/."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_work_problems(request.user):
            return False
        if request.method in permissions.SAFE_METHODS or view.action == "apply":
            return True
        self.message = "Problem managers record, edit, publish and retire known errors."
        return can_manage_problems(request.user)


class KnownErrorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Known errors, by number; `?search=` matches every word in the number, title, symptom,
    root cause, workaround or problem number. No DELETE: retire instead."""

    serializer_class = KnownErrorSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated, KnownErrorAccess]
    filterset_class = KnownErrorFilter
    ordering_fields = ["number", "title", "created_at", "published_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return known_errors_for(self.request.user).prefetch_related(
            "services", "configuration_items"
        )

    def _answer(self, known_error: KnownError, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=known_error.pk)
        return Response(KnownErrorSerializer(fresh).data, status=status)

    def perform_create(self, serializer: KnownErrorSerializer) -> None:
        fields = dict(serializer.validated_data)
        known_error = services.do_record_known_error(
            fields.pop("problem"),
            actor=self.request.user,
            services=fields.pop("services", None),
            configuration_items=fields.pop("configuration_items", None),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=known_error.pk)

    @extend_schema(responses={200: KnownErrorSerializer, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: KnownErrorSerializer) -> None:
        fields = dict(serializer.validated_data)
        known_error = services.do_update_known_error(
            serializer.instance,
            actor=self.request.user,
            expected_version=fields.pop("version"),
            services=fields.pop("services", None),
            configuration_items=fields.pop("configuration_items", None),
            **fields,
        )
        serializer.instance = self.get_queryset().get(pk=known_error.pk)

    @extend_schema(request=PublishSerializer, responses={200: KnownErrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, number: str | None = None) -> Response:
        """Publish to agents; with `to_portal`, also to requesters as a self-help article."""
        form = PublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        known_error = services.do_publish_known_error(
            self.get_object(),
            actor=request.user,
            expected_version=data.pop("version", None),
            **data,
        )
        return self._answer(known_error)

    @extend_schema(request=RetireSerializer, responses={200: KnownErrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, number: str | None = None) -> Response:
        """No longer suggested, applied or in the portal."""
        form = RetireSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        known_error = services.do_retire_known_error(
            self.get_object(),
            actor=request.user,
            expected_version=form.validated_data.get("version"),
        )
        return self._answer(known_error)

    @extend_schema(request=ApplySerializer, responses={201: AppliedSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, number: str | None = None) -> Response:
        """Apply a published known error to an incident: links the incident to the known
        error's problem and copies the workaround as a work note (unless `copy_workaround`
        is false)."""
        form = ApplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        link = services.do_apply_known_error(
            self.get_object(),
            form.validated_data["incident"],
            actor=request.user,
            copy_workaround=form.validated_data["copy_workaround"],
        )
        return Response(AppliedSerializer(link).data, status=201)

    @extend_schema(
        parameters=[SuggestQuerySerializer],
        responses=SuggestionSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def suggest(self, request: Request) -> Response:
        """Published known errors that match an incident being typed: its `text` (short
        description and description), `service` and `configuration_item` ids and `category`
        name. Best first, each with its `reasons`."""
        form = SuggestQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        found = suggest_known_errors(
            IncidentText(
                text=data["text"],
                service_id=data.get("service"),
                configuration_item_id=data.get("configuration_item"),
                category=data["category"],
            )
        )
        return Response(SuggestionSerializer(found, many=True).data)


class ArticleSerializer(serializers.ModelSerializer):
    """A self-help article as requesters read it."""

    title = serializers.CharField(source="portal_title")
    body = serializers.CharField(source="portal_body")
    url = serializers.SerializerMethodField()

    class Meta:
        model = KnownError
        fields = ["number", "title", "body", "workaround", "published_at", "url"]

    def get_url(self, known_error: KnownError) -> str:
        return reverse("problems:article_detail", args=[known_error.number])


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Self-help articles (known errors published to the portal), for anyone signed in;
    `?search=` matches every word in the title, body or workaround."""

    serializer_class = ArticleSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ArticleFilter
    ordering = ["-published_at", "-id"]

    def get_queryset(self):
        return portal_articles_for(self.request.user)
