"""Authorisation by the change advisory board: the approval inbox, votes, CAB meetings: the API's
addresses, under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
