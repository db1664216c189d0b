"""Authorisation by the change advisory board: the approval inbox, votes, CAB meetings: the API's
addresses, under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from kaizen.changes.api import cab

router = SimpleRouter()
router.register("approval-policies", cab.PolicyViewSet, basename="approval-policy")
router.register("approval-rounds", cab.RoundViewSet, basename="approval-round")
router.register("approval-delegations", cab.DelegationViewSet, basename="approval-delegation")
router.register("cab-meetings", cab.MeetingViewSet, basename="cab-meeting")

urlpatterns = [
    path("approval-inbox/", cab.approval_inbox, name="approval-inbox"),
    path("changes/<str:number>/votes/", cab.change_votes, name="change-votes"),
    *router.urls,
]
