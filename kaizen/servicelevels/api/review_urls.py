"""The service review endpoints under /api/v1/ (filled in with the API)."""

urlpatterns: list = []
