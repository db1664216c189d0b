from django.urls import include, path

urlpatterns = [
    path("", include("kaizen.changes.api.cab_urls")),
    path("", include("kaizen.changes.api.calendar_urls")),
    path("", include("kaizen.changes.api.risk_urls")),
]
