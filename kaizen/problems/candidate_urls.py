"""Pages of the candidate part (filled by its module's views)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
