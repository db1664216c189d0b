"""API of the candidate part."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
