from django.urls import include, path

app_name = "changes"

urlpatterns = [
    path("", include("kaizen.changes.cab_urls")),
    path("", include("kaizen.changes.calendar_urls")),
    path("", include("kaizen.changes.risk_urls")),
]
