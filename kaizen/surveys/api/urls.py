from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.surveys.api.views import (
    FollowUpViewSet,
    InvitationViewSet,
    LinkAnswerView,
    SurveyViewSet,
    TriggerViewSet,
)

router = SimpleRouter()
router.register("surveys", SurveyViewSet, basename="survey")
router.register("survey-triggers", TriggerViewSet, basename="survey-trigger")
router.register("survey-invitations", InvitationViewSet, basename="survey-invitation")
router.register("survey-follow-ups", FollowUpViewSet, basename="survey-follow-up")

urlpatterns = [
    path("survey-answers/link/", LinkAnswerView.as_view(), name="survey-link-answer"),
    *router.urls,
]
