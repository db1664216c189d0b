"""Risk: the questionnaire, the risk rules and the evidence from past changes: the pages'
addresses, under /changes/ (namespace "changes")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
