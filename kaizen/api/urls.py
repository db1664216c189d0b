from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from kaizen.api.errors import not_found

urlpatterns = [
    path("", include("kaizen.people.api.urls")),
    path("", include("kaizen.catalog.api.urls")),
    path("", include("kaizen.audit.api.urls")),
    path("", include("kaizen.incidents.api.urls")),
    path("", include("kaizen.changes.api.urls")),
    path("", include("kaizen.problems.api.urls")),
    path("", include("kaizen.availability.api.urls")),
    path("", include("kaizen.sla.api.urls")),
    path("", include("kaizen.notifications.api.urls")),
    path("", include("kaizen.kpis.api.urls")),
    path("", include("kaizen.improvement.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: any other path under /api/v1/ is a JSON 404 (ending in a slash: one without it is
    # first redirected to it, as Django does for every path).
    re_path(r"^.*/$", not_found),
]
