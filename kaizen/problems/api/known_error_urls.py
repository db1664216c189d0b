"""API of the known_error part."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
