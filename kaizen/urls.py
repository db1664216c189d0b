from django.contrib import admin
from django.urls import include, path

from kaizen.core import views as core_views
from kaizen.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("", include("kaizen.people.urls")),
    path("catalog/", include("kaizen.catalog.urls")),
    path("incidents/", include("kaizen.incidents.urls")),
    path("changes/", include("kaizen.changes.urls")),
    path("problems/", include("kaizen.problems.urls")),
    path("availability/", include("kaizen.availability.urls")),
    path("service-levels/", include("kaizen.servicelevels.urls")),
    path("sla/", include("kaizen.sla.urls")),
    path("kpis/", include("kaizen.kpis.urls")),
    path("improvement/", include("kaizen.improvement.urls")),
    path("imports/", include("kaizen.imports.urls")),
    path("notifications/", include("kaizen.notifications.urls")),
    path("audit/", include("kaizen.audit.urls")),
    path("api/v1/", include("kaizen.api.urls")),
    path("admin/", admin.site.urls),
]
