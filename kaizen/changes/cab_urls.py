"""Authorisation by the change advisory board: the approval inbox, votes, CAB meetings: the
pages' addresses, under /changes/ (namespace "changes")."""

from django.urls import path

from kaizen.changes import cab_views

urlpatterns = [
    path("approvals/", cab_views.inbox, name="approval_inbox"),
    path("approvals/delegations/", cab_views.delegation_create, name="delegation_create"),
    path(
        "approvals/delegations/<int:pk>/revoke/",
        cab_views.delegation_revoke,
        name="delegation_revoke",
    ),
    path("approval-policies/", cab_views.policy_list, name="policy_list"),
    path("approval-policies/new/", cab_views.policy_create, name="policy_create"),
    path("approval-policies/<int:pk>/", cab_views.policy_edit, name="policy_edit"),
    path("cab/", cab_views.meeting_list, name="meeting_list"),
    path("cab/new/", cab_views.meeting_create, name="meeting_create"),
    path("cab/schedules/new/", cab_views.schedule_create, name="schedule_create"),
    path("cab/<int:pk>/", cab_views.meeting_detail, name="meeting_detail"),
    path("cab/<int:pk>/update/", cab_views.meeting_update, name="meeting_update"),
    path("cab/<int:pk>/agenda/", cab_views.meeting_build_agenda, name="meeting_build_agenda"),
    path("cab/agenda/<int:pk>/decide/", cab_views.agenda_decide, name="agenda_decide"),
    path("<str:number>/authorisation/vote/", cab_views.vote, name="change_vote"),
]
