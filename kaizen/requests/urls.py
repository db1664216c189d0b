from django.urls import include, path

app_name = "requests"

# Each part of the process keeps its own pages: the approvals (approval_urls.py), the
# fulfilment tasks (task_urls.py), and the catalogue, request types and requests (portal_urls.py).
# The parts first: their paths must not be read as a request number.
urlpatterns = [
    path("", include("kaizen.requests.approval_urls")),
    path("", include("kaizen.requests.task_urls")),
    path("", include("kaizen.requests.portal_urls")),
]
