from django.contrib import admin
from django.urls import include, path

from kaizen.core import views as core_views
from kaizen.home import views as home_views
from kaizen.servicelevels import report_urls

urlpatterns = [
    path("", home_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("", include("kaizen.people.urls")),
    path("catalog/", include("kaizen.catalog.urls")),
    path("incidents/", include("kaizen.incidents.urls")),
    path("changes/", include("kaizen.changes.urls")),
    path("problems/", include("kaizen.problems.urls")),
    path("requests/", include("kaizen.requests.urls")),
    path("availability/", include("kaizen.availability.urls")),
    path("service-levels/", include("kaizen.servicelevels.urls")),
    # A service level report's read-only link works without signing in.
    path(
        "shared/service-level-report/",
        include((report_urls.shared_urlpatterns, "servicelevels_shared")),
    ),
    path("sla/", include("kaizen.sla.urls")),
    path("kpis/", include("kaizen.kpis.urls")),
    path("improvement/", include("kaizen.improvement.urls")),
    path("imports/", include("kaizen.imports.urls")),
    path("mail/", include("kaizen.mailin.urls")),
    path("notifications/", include("kaizen.notifications.urls")),
    path("audit/", include("kaizen.audit.urls")),
    path("api/v1/", include("kaizen.api.urls")),
    path("admin/", admin.site.urls),
]
