"""Risk: the questionnaire, the risk rules and the evidence from past changes: the API's
addresses, under /api/v1/."""

from django.urls import path

from kaizen.changes.api import risk

urlpatterns = [
    path("risk-questionnaire/", risk.questionnaire, name="risk-questionnaire"),
    path("changes/<str:number>/risk/", risk.change_risk, name="change-risk"),
    path("changes/<str:number>/risk/evidence/", risk.change_evidence, name="change-risk-evidence"),
]
