"""The service level report's API addresses, under /api/v1/ (next to the agreements')."""

from django.urls import path

from kaizen.servicelevels.api import report_views

urlpatterns = [
    path(
        "agreements/<str:number>/report/",
        report_views.AgreementReportView.as_view(),
        name="agreement-report",
    ),
    path(
        "agreements/<str:number>/report-links/",
        report_views.AgreementReportLinksView.as_view(),
        name="agreement-report-links",
    ),
    path(
        "agreements/<str:number>/report-links/<int:pk>/revoke/",
        report_views.RevokeReportLinkView.as_view(),
        name="agreement-report-link-revoke",
    ),
]
