"""The comments, work notes and files of a process's tickets over the API: the same three
actions on every ticket viewset (incidents, changes, ...), each process giving its own rules
and services through a `TicketActivity`."""

from collections.abc import Callable
from typing import Any, NamedTuple

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response


class TicketActivity(NamedTuple):
    """What one process's tickets need for their comments and files."""

    comments: Callable[[Any, Any], Any]  # (user, ticket) -> the comments the user may read
    attachments: Callable[[Any, Any], Any]  # (user, ticket) -> the ticket's files
    may_comment: Callable[[Any, Any], bool]  # (user, ticket)
    may_attach: Callable[[Any, Any], bool]  # (user, ticket)
    may_write_work_notes: Callable[[Any], bool]  # (user)
    add_comment: Callable[..., Any]  # (ticket, body, *, actor, is_work_note) -> comment
    add_attachment: Callable[..., Any]  # (ticket, file, *, actor) -> attachment
    requester: str  # who besides agents comments: "the caller", "the requester"


def ticket_activity_actions(
    activity: TicketActivity,
    comment_serializer: type[serializers.Serializer],
    attachment_serializer: type[serializers.Serializer],
) -> type:
    """A mixin giving a ticket viewset `comments/`, `attachments/` and
    `attachments/<id>/` (download), read through the viewset's `get_object()`."""

    class TicketActivityActions:
        @extend_schema(
            methods=["GET"], request=None, responses={200: comment_serializer(many=True)}
        )
        @extend_schema(
            methods=["POST"], request=comment_serializer, responses={201: comment_serializer}
        )
        @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
        def comments(self, request: Request, **kwargs: Any) -> Response:
            """The conversation, oldest first. Agents also read and write work notes."""
            ticket = self.get_object()
            if request.method == "GET":
                rows = activity.comments(request.user, ticket)
                return Response(comment_serializer(rows, many=True).data)
            if not activity.may_comment(request.user, ticket):
                raise exceptions.PermissionDenied(f"Only agents and {activity.requester} comment.")
            serializer = comment_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            work_note = serializer.validated_data.get("is_work_note", False)
            if work_note and not activity.may_write_work_notes(request.user):
                raise exceptions.PermissionDenied("Work notes are for agents.")
            comment = activity.add_comment(
                ticket,
                serializer.validated_data["body"],
                actor=request.user,
                is_work_note=work_note,
            )
            return Response(comment_serializer(comment).data, status=status.HTTP_201_CREATED)

        @extend_schema(
            methods=["GET"], request=None, responses={200: attachment_serializer(many=True)}
        )
        @extend_schema(
            methods=["POST"],
            request={"multipart/form-data": attachment_serializer},
            responses={201: attachment_serializer},
        )
        @action(
            detail=True,
            methods=["get", "post"],
            pagination_class=None,
            filter_backends=[],
            parser_classes=[MultiPartParser, FormParser, JSONParser],
        )
        def attachments(self, request: Request, **kwargs: Any) -> Response:
            """Files on the ticket (upload as multipart/form-data, field `file`)."""
            ticket = self.get_object()
            if request.method == "GET":
                rows = activity.attachments(request.user, ticket)
                return Response(attachment_serializer(rows, many=True).data)
            if not activity.may_attach(request.user, ticket):
                raise exceptions.PermissionDenied(
                    f"Only agents and {activity.requester} add files."
                )
            serializer = attachment_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            attachment = activity.add_attachment(
                ticket, serializer.validated_data["file"], actor=request.user
            )
            return Response(attachment_serializer(attachment).data, status=status.HTTP_201_CREATED)

        @extend_schema(
            request=None,
            responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")},
        )
        @action(
            detail=True,
            methods=["get"],
            url_path=r"attachments/(?P<attachment_id>[0-9]+)",
            url_name="attachment-download",
            filter_backends=[],
        )
        def attachment_download(self, request: Request, attachment_id: str, **kwargs: Any) -> Any:
            """Download one attachment."""
            ticket = self.get_object()
            attachment = activity.attachments(request.user, ticket).filter(pk=attachment_id).first()
            if attachment is None:
                raise Http404("No such attachment.")
            return FileResponse(
                attachment.file.open("rb"),
                as_attachment=True,
                filename=attachment.original_name,
                content_type=attachment.content_type,
            )

    return TicketActivityActions


def comment_serializer_for(model: type) -> type[serializers.ModelSerializer]:
    """The serializer of a process's comment model (a TicketComment)."""

    class TicketCommentSerializer(serializers.ModelSerializer):
        author = serializers.StringRelatedField()
        body = serializers.CharField(max_length=model.MAX_LENGTH)

        class Meta:
            fields = ["id", "author", "body", "is_work_note", "created_at"]
            read_only_fields = ["id", "author", "created_at"]

    TicketCommentSerializer.Meta.model = model
    TicketCommentSerializer.__name__ = f"{model.__name__}Serializer"
    return TicketCommentSerializer


def attachment_serializer_for(model: type, url_name: str) -> type[serializers.ModelSerializer]:
    """The serializer of a process's attachment model (a TicketAttachment), with the address
    of its download (`url_name` takes the attachment's id)."""
    from django.urls import reverse

    class TicketAttachmentSerializer(serializers.ModelSerializer):
        file = serializers.FileField(write_only=True)
        uploaded_by = serializers.StringRelatedField()
        url = serializers.SerializerMethodField()

        class Meta:
            fields = [
                "id",
                "file",
                "original_name",
                "size",
                "content_type",
                "uploaded_by",
                "created_at",
                "url",
            ]
            read_only_fields = [
                "id",
                "original_name",
                "size",
                "content_type",
                "uploaded_by",
                "created_at",
            ]

        def get_url(self, attachment: Any) -> str:
            return reverse(url_name, args=[attachment.pk])

    TicketAttachmentSerializer.Meta.model = model
    TicketAttachmentSerializer.__name__ = f"{model.__name__}Serializer"
    return TicketAttachmentSerializer
