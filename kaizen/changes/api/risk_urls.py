"""Risk: the questionnaire, the risk rules and the evidence from past changes: the API's
addresses, under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
