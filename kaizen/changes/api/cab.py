"""Authorisation by the CAB over the API: approval policies, approval rounds and votes,
delegations, CAB meetings with their agenda and decisions.

Reads come from kaizen.changes.cab_selectors (agents and CAB members; anyone else sees
nothing); writes ask kaizen.changes.permissions (403) and call one service, whose
ValidationError the API's exception handler answers with 400 naming the field.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.changes import cab_selectors as selectors
from kaizen.changes.cab_filters import MeetingFilter, PolicyFilter, RoundFilter
from kaizen.changes.models import (
    AgendaItem,
    ApprovalPolicy,
    ApprovalRound,
    Approver,
    CabMeeting,
    Decision,
    Delegation,
    MeetingKind,
    MeetingStatus,
)
from kaizen.changes.permissions import (
    can_delegate_approvals,
    can_manage_approvals,
    can_view_approvals,
)
from kaizen.changes.selectors import changes_for
from kaizen.changes.services import approvals, meetings, policies, quorum
from kaizen.people.models import Team, User

# -- serializers --------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = ApprovalPolicy
        fields = ["id", *policies.POLICY_FIELDS, "version", "updated_at"]
        read_only_fields = ["id", "version", "updated_at"]

    def run_validators(self, value: Any) -> None:
        # The service checks the policy (unique name too), naming the field.
        pass


class ApproverSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.__str__")
    cast_by = serializers.CharField(source="cast_by.username", allow_null=True, default=None)

    class Meta:
        model = Approver
        fields = ["user", "name", "group", "decision", "comment", "decided_at", "cast_by"]


class RoundSerializer(serializers.ModelSerializer):
    change = serializers.CharField(source="change.number")
    approvers = ApproverSerializer(many=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRound
        fields = [
            "id",
            "change",
            "status",
            "policy_name",
            "route",
            "team_name",
            "rule",
            "required",
            "change_manager_too",
            "tie_action",
            "due_action",
            "reason",
            "opened_at",
            "due_at",
            "escalated_at",
            "decided_at",
            "outcome_note",
            "progress",
            "approvers",
        ]

    def get_progress(self, approval_round: ApprovalRound) -> list[str]:
        """Each group's progress in words."""
        states = approvals.group_states(approval_round, list(approval_round.approvers.all()))
        return [quorum.progress_text(state.rule, state.tally) for state in states]


class VoteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    on_behalf_of = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="The approver you vote for as their delegate (username)",
    )


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegate = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )

    class Meta:
        model = Delegation
        fields = ["id", "delegator", "delegate", "starts_at", "ends_at", "reason", "revoked_at"]
        read_only_fields = ["id", "delegator", "revoked_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    change = serializers.CharField(source="change.number")
    title = serializers.CharField(source="change.title")

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "change", "title", "outcome", "note", "decided_at"]


class MeetingSerializer(serializers.ModelSerializer):
    attendees = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    agenda = AgendaItemSerializer(many=True, read_only=True)
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in MeetingKind], default=MeetingKind.AD_HOC
    )
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)

    class Meta:
        model = CabMeeting
        fields = [
            "id",
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "location",
            "status",
            "attendees",
            "minutes",
            "agenda",
        ]
        read_only_fields = ["id", "agenda"]


class AgendaFilterSerializer(serializers.Serializer):
    change_type = serializers.ChoiceField(
        choices=["", "normal", "emergency"], required=False, default=""
    )
    min_risk = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    planned_before = serializers.DateTimeField(required=False, allow_null=True)


class RecordedVoteSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AgendaDecisionSerializer(serializers.Serializer):
    votes = RecordedVoteSerializer(many=True, required=False, default=list)
    deferred = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


# -- permissions --------------------------------------------------------------------------------


class ViewOrManage(permissions.BasePermission):
    """Agents and CAB members read; change managers and administrators write."""

    message = "The change managers keep the approval policies and CAB meetings."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_view_approvals(request.user):
            self.message = "Authorisation is for agents and CAB members."
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_approvals(request.user)


# -- views --------------------------------------------------------------------------------------


class PolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Approval policies in the order they are tried. No DELETE: deactivate instead."""

    serializer_class = PolicySerializer
    permission_classes = [permissions.IsAuthenticated, ViewOrManage]
    filterset_class = PolicyFilter
    ordering = ["position", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.policies_for(self.request.user)

    def perform_create(self, serializer: PolicySerializer) -> None:
        serializer.instance = policies.do_create_policy(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: PolicySerializer) -> None:
        serializer.instance = policies.do_update_policy(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )


def _vote(request: Request, target: Any) -> Response:
    form = VoteSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    approval_round = approvals.do_cast_vote(
        target,
        form.validated_data["decision"],
        comment=form.validated_data["comment"],
        actor=request.user,
        on_behalf_of=form.validated_data.get("on_behalf_of"),
    )
    fresh = selectors.rounds_for(request.user).get(pk=approval_round.pk)
    return Response(RoundSerializer(fresh).data)


class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Approval rounds: one per request for authorisation, with its copy of the policy, the
    approvers and their votes. Vote with POST .../votes/."""

    serializer_class = RoundSerializer
    permission_classes = [permissions.IsAuthenticated, ViewOrManage]
    filterset_class = RoundFilter
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        return selectors.rounds_for(self.request.user)

    @extend_schema(request=VoteSerializer, responses=RoundSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="votes",
        permission_classes=[permissions.IsAuthenticated],
    )
    def votes(self, request: Request, pk: str | None = None) -> Response:
        """Approve, reject (with a comment) or abstain; for yourself or, with
        `on_behalf_of`, for an approver who delegated to you now."""
        if not can_view_approvals(request.user):
            raise exceptions.PermissionDenied("Authorisation is for agents and CAB members.")
        return _vote(request, self.get_object())


@extend_schema(request=VoteSerializer, responses=RoundSerializer)
@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated])
def change_votes(request: Request, number: str) -> Response:
    """Vote on the change's open approval round (as POST approval-rounds/{id}/votes/)."""
    change = get_object_or_404(changes_for(request.user), number=number)
    if not can_view_approvals(request.user):
        raise exceptions.PermissionDenied("Authorisation is for agents and CAB members.")
    return _vote(request, change)


class DelegationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Your delegations: given (someone votes for you while away) and received."""

    serializer_class = DelegationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if not can_delegate_approvals(self.request.user):
            return Delegation.objects.none()
        return selectors.delegations_of(self.request.user)

    def perform_create(self, serializer: DelegationSerializer) -> None:
        if not can_delegate_approvals(self.request.user):
            raise exceptions.PermissionDenied("Only approvers delegate their votes.")
        data = serializer.validated_data
        serializer.instance = approvals.do_delegate(
            self.request.user,
            data["delegate"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data.get("reason", ""),
            actor=self.request.user,
        )

    @extend_schema(request=None, responses=DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        delegation = self.get_object()
        if delegation.delegator_id != request.user.pk:
            raise exceptions.PermissionDenied("Only the person who delegated revokes it.")
        approvals.do_revoke_delegation(delegation, actor=request.user)
        return Response(DelegationSerializer(delegation).data)


class MeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """CAB meetings with their attendees and agenda. Create ad-hoc and emergency meetings;
    update status, minutes and attendees; build the agenda; record a decision per item."""

    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticated, ViewOrManage]
    filterset_class = MeetingFilter
    ordering = ["-starts_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.meetings_for(self.request.user).prefetch_related(
            "attendees", "agenda__change"
        )

    def perform_create(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("status", None)
        data.pop("minutes", None)
        serializer.instance = meetings.do_create_meeting(actor=self.request.user, **data)

    def perform_update(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        unknown = set(data) - {"status", "minutes", "attendees", "title", "location"}
        if unknown:
            raise serializers.ValidationError(
                {name: "not changed here" for name in sorted(unknown)}
            )
        serializer.instance = meetings.do_update_meeting(
            serializer.instance, actor=self.request.user, **data
        )

    def _fresh(self, meeting: CabMeeting) -> Response:
        return Response(MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(request=AgendaFilterSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="build-agenda")
    def build_agenda(self, request: Request, pk: str | None = None) -> Response:
        """Add the changes awaiting authorisation (optionally of a type, from a risk, planned
        to start before a time) that are not on the agenda yet, by planned start."""
        meeting = self.get_object()
        form = AgendaFilterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        meetings.do_build_agenda(meeting, actor=request.user, **form.validated_data)
        return self._fresh(meeting)

    @extend_schema(request=AgendaDecisionSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path=r"agenda/(?P<item_id>\d+)/decision")
    def decision(self, request: Request, pk: str | None = None, item_id: str = "") -> Response:
        """The meeting's decision on one agenda item: the attendees' votes (each cast into the
        change's approval round), or a deferral with a note."""
        meeting = self.get_object()
        item = get_object_or_404(meeting.agenda.all(), pk=item_id)
        form = AgendaDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        meetings.do_record_agenda_decision(
            item,
            votes=[(v["user"], v["decision"], v["comment"]) for v in data["votes"]],
            deferred=data["deferred"],
            note=data["note"],
            actor=request.user,
        )
        return self._fresh(meeting)


def inbox_payload(user: User) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "round": approver.round_id,
            "change": approver.round.change.number,
            "title": approver.round.change.title,
            "for": approver.user.username,
            "due_at": approver.round.due_at,
        }
        for approver in selectors.waiting_for(user, now)[:200]
    ]


# One item of the inbox. Built with type(): one of its keys, "for" (the approver the vote is
# cast for: yourself, or whoever delegated to you), is a Python keyword.
InboxItemSerializer = type(
    "InboxItemSerializer",
    (serializers.Serializer,),
    {
        "round": serializers.IntegerField(help_text="The approval round's id"),
        "change": serializers.CharField(help_text="The change's number"),
        "title": serializers.CharField(),
        "for": serializers.CharField(help_text="User name of the approver"),
        "due_at": serializers.DateTimeField(),
    },
)


class InboxSerializer(serializers.Serializer):
    waiting = InboxItemSerializer(many=True)


@extend_schema(responses={200: InboxSerializer})
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def approval_inbox(request: Request) -> Response:
    """What waits for your vote (yours, or as a delegate), due soonest first."""
    if not can_view_approvals(request.user):
        raise exceptions.PermissionDenied("Authorisation is for agents and CAB members.")
    return Response({"waiting": inbox_payload(request.user)})
