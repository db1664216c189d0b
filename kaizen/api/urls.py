from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from kaizen.api.errors import not_found

urlpatterns = [
    path("", include("kaizen.people.api.urls")),
    path("", include("kaizen.catalog.api.urls")),
    path("", include("kaizen.audit.api.urls")),
    path("", include("kaizen.incidents.api.urls")),
    path("", include("kaizen.changes.api.urls")),
    path("", include("kaizen.problems.api.urls")),
    path("", include("kaizen.requests.api.urls")),
    path("", include("kaizen.availability.api.urls")),
    path("", include("kaizen.servicelevels.api.urls")),
    path("", include("kaizen.sla.api.urls")),
    path("", include("kaizen.notifications.api.urls")),
    path("", include("kaizen.kpis.api.urls")),
    path("", include("kaizen.improvement.api.urls")),
    path("", include("kaizen.mailin.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script is served as a file (?script), not inline: the page keeps the
    # Content-Security-Policy every page has.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # Redoc writes its styles as <style> elements while it draws and searches in a worker made
    # from a blob: URL; this page alone allows both (its scripts stay Kaizen's own files).
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
    # Last: any other path under /api/v1/ is a JSON 404 (ending in a slash: one without it is
    # first redirected to it, as Django does for every path).
    re_path(r"^.*/$", not_found),
]
