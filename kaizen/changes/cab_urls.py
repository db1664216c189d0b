"""Authorisation by the change advisory board: the approval inbox, votes, CAB meetings: the
pages' addresses, under /changes/ (namespace "changes")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
