from django.urls import path

from kaizen.requests import approval_views

urlpatterns = [
    path("approvals/", approval_views.approval_inbox, name="approval_inbox"),
    path("approvals/link/<str:token>/", approval_views.approval_link, name="approval_link"),
    path("approvals/delegations/", approval_views.delegations, name="approval_delegations"),
    path(
        "approvals/delegations/<int:pk>/revoke/",
        approval_views.delegation_revoke,
        name="approval_delegation_revoke",
    ),
    path("<str:number>/decide/", approval_views.decide, name="decide"),
]
