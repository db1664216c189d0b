"""Risk: the questionnaire, the risk rules and the evidence from past changes: the pages'
addresses, under /changes/ (namespace "changes")."""

from django.urls import path

from kaizen.changes import risk_views

urlpatterns = [
    path("risk/questionnaire/", risk_views.questionnaire, name="risk_questionnaire"),
    path("risk/questionnaire/edit/", risk_views.questionnaire_edit, name="risk_questionnaire_edit"),
    path("<str:number>/risk/", risk_views.answer, name="risk"),
]
