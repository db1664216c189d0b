"""Mailboxes and received mail: administrators only (kaizen.mailin.permissions). Writes call
the services; a domain ValidationError is a 400 on its field (kaizen/api/errors.py)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.serializers import versioned_updates
from kaizen.mailin import services
from kaizen.mailin.api.serializers import InboundMessageSerializer, MailboxSerializer
from kaizen.mailin.filters import InboundMessageFilter, MailboxFilter
from kaizen.mailin.permissions import can_manage_mail
from kaizen.mailin.selectors import mailboxes_for, messages_for


class IsMailAdmin(permissions.BasePermission):
    message = "Only administrators manage inbound mail."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and can_manage_mail(
            request.user
        )


@versioned_updates(MailboxSerializer, "mailbox")
class MailboxViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The support addresses Kaizen reads (IMAP) or is delivered to (LMTP). No DELETE:
    switch a mailbox off (`is_active`), its received mail stays."""

    serializer_class = MailboxSerializer
    permission_classes = [IsMailAdmin]
    filterset_class = MailboxFilter
    ordering_fields = ["name", "address", "last_fetched_at"]
    ordering = ["name"]

    def get_queryset(self):
        return mailboxes_for(self.request.user)

    def perform_create(self, serializer: MailboxSerializer) -> None:
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        serializer.instance = services.do_create_mailbox(actor=self.request.user, **fields)

    def perform_update(self, serializer: MailboxSerializer) -> None:
        fields = dict(serializer.validated_data)
        version = fields.pop("version")
        serializer.instance = services.do_update_mailbox(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )


class InboundMessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every message received, newest first; `?state=set_aside` is the mail not processed."""

    serializer_class = InboundMessageSerializer
    permission_classes = [IsMailAdmin]
    filterset_class = InboundMessageFilter
    ordering_fields = ["received_at", "sender", "state"]
    ordering = ["-received_at"]

    def get_queryset(self):
        return messages_for(self.request.user)

    @extend_schema(request=None, responses=InboundMessageSerializer)
    @action(detail=True, methods=["post"])
    def reprocess(self, request: Request, pk: str | None = None) -> Response:
        """Process a message set aside, ignored or held again (after fixing the cause); the
        answer shows what became of it."""
        message = self.get_object()
        services.do_reprocess_message(message, actor=request.user)
        services.process_message(message.pk)
        return Response(self.get_serializer(self.get_queryset().get(pk=message.pk)).data)
