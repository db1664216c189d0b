"""The service level report through the API: an agreement's figures for a period, and its
read-only links (made, listed, revoked), with the same rules as the pages
(kaizen/servicelevels/report_views.py, report_links.py). Durations are seconds of agreed
service time; the token of a new link is in the answer that makes it, and never again."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaizen.availability.api.serializers import AvailabilityFigureSerializer, seconds
from kaizen.servicelevels.figures import ReportFigures, report_figures
from kaizen.servicelevels.models import Agreement, ReportLink
from kaizen.servicelevels.permissions import can_share_report, can_view_report
from kaizen.servicelevels.report_links import (
    do_create_report_link,
    do_revoke_report_link,
    link_state,
)
from kaizen.servicelevels.report_views import period_asked

PERIOD = [
    OpenApiParameter("from", str, description="First day (YYYY-MM-DD), inclusive"),
    OpenApiParameter("to", str, description="Last day (YYYY-MM-DD), inclusive"),
]


def _agreement(request: Request, number: str, *, share: bool = False) -> Agreement:
    agreement = get_object_or_404(Agreement.objects.select_related("owner"), number=number)
    if not can_view_report(request.user, agreement):
        raise exceptions.PermissionDenied(
            "The service level report is for service level managers, the agreement's owner "
            "and the owners of the services it covers."
        )
    if share and not can_share_report(request.user):
        raise exceptions.PermissionDenied("Service level managers share service level reports.")
    return agreement


def _period(data: Any) -> tuple[dt.date, dt.date]:
    period, problem = period_asked(data, timezone.localdate())
    if problem:
        raise exceptions.ValidationError({"from": problem.split(":")[0] + "."})
    return period.first_day, period.last_day


def report_data(figures: ReportFigures) -> dict[str, Any]:
    """The report's figures as JSON: what the page shows, in numbers."""
    figure_data = AvailabilityFigureSerializer()
    return {
        "agreement": figures.agreement.number,
        "from": figures.period.first_day.isoformat(),
        "to": figures.period.last_day.isoformat(),
        "verdict": figures.verdict,
        "missed": figures.missed,
        "terms": [
            {
                "version": part.sequence,
                "from": part.first_day.isoformat(),
                "to": part.last_day.isoformat(),
                "calendar": part.calendar_name,
                "availability_percent": part.availability_percent,
                "services": part.service_names,
                "targets": part.targets,
            }
            for part in figures.parts
        ],
        "availability": [
            {
                "service": item.name,
                "verdict": item.verdict,
                **figure_data.to_representation(item.figure),
                "outages": [
                    {
                        "number": line.number,
                        "title": line.title,
                        "kind": line.kind,
                        "started_at": line.started_at,
                        "ended_at": line.ended_at,
                        "downtime_seconds": seconds(line.downtime_us),
                    }
                    for line in item.outages
                ],
            }
            for item in figures.services
        ],
        "ticket_targets": [
            {
                "version": target.sequence,
                "metric": target.metric,
                "priority": target.priority,
                "sla_definition": target.sla_definition_id,
                "minutes": target.minutes,
                "attainment_percent": target.attainment_percent,
                "tickets": target.total,
                "met": target.met,
                "percent": target.percent,
                "verdict": target.verdict,
            }
            for target in figures.targets
        ],
        "incidents": {
            "opened": figures.incidents_opened,
            "resolved": figures.incidents_resolved,
            "listed": [
                {
                    "number": line.number,
                    "service": line.service,
                    "priority": line.priority,
                    "opened_at": line.opened_at,
                    "resolved_at": line.resolved_at,
                    "clocks": [
                        {"definition": clock.definition, "state": clock.state}
                        for clock in line.clocks
                    ],
                }
                for line in figures.incidents
            ],
        },
        "changes": [
            {
                "number": line.number,
                "title": line.title,
                "started_at": line.started_at,
                "ended_at": line.ended_at,
                "services": line.services,
                "caused_incidents": line.caused_incidents,
            }
            for line in figures.changes
        ],
        "problems_open_at_end": [line.number for line in figures.problems],
        "trend": [
            {
                "from": row.period.first_day.isoformat(),
                "to": row.period.last_day.isoformat(),
                "availability": [
                    {
                        "service": item.name,
                        "availability_percent": item.figure.availability_percent,
                        "verdict": item.verdict,
                    }
                    for item in row.services
                ],
                "ticket_targets": [
                    {
                        "metric": target.metric,
                        "priority": target.priority,
                        "tickets": target.total,
                        "met": target.met,
                        "verdict": target.verdict,
                    }
                    for target in row.targets
                ],
            }
            for row in figures.trend
        ],
    }


class AgreementReportView(APIView):
    """An agreement's service level report for [`from`, `to`] (default: the last full
    month)."""

    @extend_schema(parameters=PERIOD, responses={200: dict})
    def get(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number)
        first_day, last_day = _period(request.query_params)
        return Response(report_data(report_figures(agreement, first_day, last_day)))


class ReportLinkSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportLink
        fields = (
            "id",
            "period_start",
            "period_end",
            "expires_at",
            "created_by",
            "created_at",
            "revoked_at",
            "state",
        )

    def get_state(self, link: ReportLink) -> str:
        return link_state(link, timezone.now())


class NewReportLinkSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    expires_on = serializers.DateField(required=False, allow_null=True)


class AgreementReportLinksView(APIView):
    """GET: the agreement's read-only report links; POST `{"from", "to", "days" or
    "expires_on"}`: a new one, whose `url` (with its token) is in this answer only. For service
    level managers."""

    @extend_schema(responses={200: ReportLinkSerializer(many=True)})
    def get(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number, share=True)
        links = agreement.report_links.select_related("created_by")
        return Response(ReportLinkSerializer(links, many=True).data)

    @extend_schema(request=NewReportLinkSerializer, responses={201: ReportLinkSerializer})
    def post(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number, share=True)
        if not request.data.get("from") or not request.data.get("to"):
            raise exceptions.ValidationError({"from": "Give the period's from and to days."})
        first_day, last_day = _period(request.data)
        asked = NewReportLinkSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            link, token = do_create_report_link(
                agreement,
                actor=request.user,
                period_start=first_day,
                period_end=last_day,
                days=asked.validated_data.get("days"),
                expires_on=asked.validated_data.get("expires_on"),
            )
        except ValidationError as error:  # the expiry's, on its field
            raise exceptions.ValidationError(error.message_dict) from None
        data = ReportLinkSerializer(link).data
        data["url"] = request.build_absolute_uri(
            reverse("servicelevels_shared:report", args=[token])
        )
        return Response(data, status=status.HTTP_201_CREATED)


class RevokeReportLinkView(APIView):
    """Revoke a read-only link: it opens nothing from now on."""

    @extend_schema(request=None, responses={200: ReportLinkSerializer})
    def post(self, request: Request, number: str, pk: int) -> Response:
        agreement = _agreement(request, number, share=True)
        link = get_object_or_404(ReportLink, pk=pk, agreement=agreement)
        return Response(ReportLinkSerializer(do_revoke_report_link(link, actor=request.user)).data)
