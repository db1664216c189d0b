"""Service level endpoints: agreements (with their versions of terms and the chain check),
customers and suppliers.

Agents read; service level managers make and change them (an agreement's owner may change
it). Actions ask kaizen.servicelevels.permissions (403) and call one service (a domain
ValidationError becomes a 400 naming the field, a version conflict a 409 with the current
version: kaizen.api.errors).
"""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.serializers import versioned_update, versioned_updates
from kaizen.servicelevels.api.serializers import (
    AgreementSerializer,
    ChainSerializer,
    CustomerSerializer,
    NewAgreementSerializer,
    SupplierSerializer,
    TermsSerializer,
)
from kaizen.servicelevels.chain import chain_check
from kaizen.servicelevels.filters import AgreementFilter
from kaizen.servicelevels.models import AgreementTerms, Customer, Supplier
from kaizen.servicelevels.permissions import (
    can_change_agreement,
    can_manage_agreements,
    can_view_agreements,
)
from kaizen.servicelevels.selectors import agreements_with_versions
from kaizen.servicelevels.services import (
    do_add_terms,
    do_correct_terms,
    do_create_agreement,
    do_create_customer,
    do_create_supplier,
    do_update_agreement,
    do_update_customer,
    do_update_supplier,
)

COVERAGE = ("services", "offerings", "configuration_items")


class ViewAgreements(permissions.BasePermission):
    message = "Agreements are for IT staff."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_agreements(request.user)


def _require_manager(user: Any) -> None:
    if not can_manage_agreements(user):
        raise exceptions.PermissionDenied(
            "Service level managers make agreements, customers and suppliers."
        )


class _Writable(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated, ViewAgreements]
    http_method_names = ["get", "post", "patch", "head", "options"]


@versioned_updates(AgreementSerializer, "agreement")
class AgreementViewSet(_Writable):
    """Agreements by number: SLAs with customers, OLAs between teams, underpinning contracts
    with suppliers. No DELETE: retire one instead (`status`)."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    filterset_class = AgreementFilter
    ordering_fields = ["number", "name", "starts_on", "status"]
    ordering = ["number"]

    def get_queryset(self):
        return agreements_with_versions()

    def get_serializer_class(self):
        return NewAgreementSerializer if self.action == "create" else AgreementSerializer

    def _answer(self, agreement: Any, code: int = status.HTTP_200_OK) -> Response:
        reloaded = self.get_queryset().get(pk=agreement.pk)
        return Response(
            AgreementSerializer(reloaded, context={"request": self.request}).data, status=code
        )

    def perform_create(self, serializer: Any) -> None:
        _require_manager(self.request.user)
        fields = dict(serializer.validated_data)
        agreement = do_create_agreement(actor=self.request.user, **fields)
        serializer.instance = self.get_queryset().get(pk=agreement.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._answer(serializer.instance, status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        if not can_change_agreement(self.request.user, serializer.instance):
            raise exceptions.PermissionDenied(
                "Service level managers and the agreement's owner change it."
            )
        version, fields = versioned_update(serializer)
        agreement = do_update_agreement(
            serializer.instance, actor=self.request.user, expected_version=version, fields=fields
        )
        serializer.instance = self.get_queryset().get(pk=agreement.pk)

    @extend_schema(request=TermsSerializer, responses={201: TermsSerializer})
    @action(detail=True, methods=["post"], url_path="versions", filter_backends=[])
    def add_version(self, request: Request, number: str) -> Response:
        """A new version of the terms from `valid_from` (today or later), with `note` saying
        what it changes; what is left out is carried over from the latest version."""
        agreement = self.get_object()
        if not can_change_agreement(request.user, agreement):
            raise exceptions.PermissionDenied(
                "Service level managers and the agreement's owner change it."
            )
        serializer = TermsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if "valid_from" not in fields:
            raise exceptions.ValidationError({"valid_from": "give the day it applies from"})
        terms = do_add_terms(
            agreement,
            actor=request.user,
            valid_from=fields.pop("valid_from"),
            note=fields.pop("note", ""),
            **fields,
        )
        return Response(TermsSerializer(terms).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TermsSerializer, responses={200: TermsSerializer})
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"versions/(?P<sequence>[0-9]+)",
        filter_backends=[],
    )
    def correct_version(self, request: Request, number: str, sequence: str) -> Response:
        """Correct a version not yet in force (or of a draft agreement); send its `version`."""
        agreement = self.get_object()
        if not can_change_agreement(request.user, agreement):
            raise exceptions.PermissionDenied(
                "Service level managers and the agreement's owner change it."
            )
        terms = get_object_or_404(AgreementTerms, agreement=agreement, sequence=int(sequence))
        serializer = TermsSerializer(terms, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version, fields = versioned_update(serializer)
        coverage = {name: fields.pop(name) for name in COVERAGE if name in fields}
        corrected = do_correct_terms(
            terms, actor=request.user, expected_version=version, fields=fields, **coverage
        )
        return Response(TermsSerializer(corrected).data)

    @extend_schema(
        parameters=[OpenApiParameter("on", str, description="The day (YYYY-MM-DD); today")],
        responses={200: ChainSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def chain(self, request: Request, number: str) -> Response:
        """The chain check of an SLA on a day: each ticket target with the OLAs and contracts
        that support it, their worst case in the customer's hours, and whether they fit."""
        agreement = self.get_object()
        text = request.query_params.get("on", "").strip()
        try:
            day = dt.date.fromisoformat(text) if text else timezone.localdate()
        except ValueError:
            raise exceptions.ValidationError({"on": "give a date as YYYY-MM-DD"}) from None
        return Response(ChainSerializer(chain_check(agreement, day), many=True).data)


def _party_viewset(model: type, serializer_class: type, create: Any, update: Any) -> type:
    """Customers and suppliers are written alike: by a service level manager, by name."""

    @versioned_updates(serializer_class, model._meta.verbose_name)
    class PartyViewSet(_Writable):
        queryset = model.objects.all()
        ordering_fields = ["name"]
        ordering = ["name"]

        def get_serializer_class(self):
            return serializer_class

        def perform_create(self, serializer: Any) -> None:
            _require_manager(self.request.user)
            serializer.instance = create(actor=self.request.user, **serializer.validated_data)

        def perform_update(self, serializer: Any) -> None:
            _require_manager(self.request.user)
            version, fields = versioned_update(serializer)
            many = {}
            if "representatives" in fields:
                many["representatives"] = fields.pop("representatives")
            serializer.instance = update(
                serializer.instance,
                actor=self.request.user,
                expected_version=version,
                fields=fields,
                **many,
            )

    PartyViewSet.__name__ = f"{model.__name__}ViewSet"
    PartyViewSet.__doc__ = f"{model._meta.verbose_name_plural.capitalize()}, by id."
    return PartyViewSet


CustomerViewSet = _party_viewset(
    Customer, CustomerSerializer, do_create_customer, do_update_customer
)
SupplierViewSet = _party_viewset(
    Supplier, SupplierSerializer, do_create_supplier, do_update_supplier
)
