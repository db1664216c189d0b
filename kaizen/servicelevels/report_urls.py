"""The service level report's addresses.

`urlpatterns` go under the app's own (namespace "servicelevels", /service-levels/);
`shared_urlpatterns` under /shared/service-level-report/ with the namespace
"servicelevels_shared": the read-only link works without signing in, outside the app's
pages.
"""

from django.urls import path

from kaizen.servicelevels import report_views

urlpatterns = [
    path("agreements/<str:number>/report/", report_views.report_page, name="report"),
    path("agreements/<str:number>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("agreements/<str:number>/report/share/", report_views.share, name="report_share"),
    path(
        "agreements/<str:number>/report/links/<int:pk>/revoke/",
        report_views.revoke,
        name="report_link_revoke",
    ),
]

shared_urlpatterns = [
    path("<str:token>/", report_views.shared_report, name="report"),
    path("<str:token>/report.pdf", report_views.shared_report_pdf, name="pdf"),
]
