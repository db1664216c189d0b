"""Pages of the known_error part (filled by its module's views)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
