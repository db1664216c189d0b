"""The improvement register's endpoints: goals, initiatives and what each of their seven steps
produces, corrective actions, and the opportunities the data suggests.

Everything is for agents (`can_view_register`; requesters get 403). Writes ask the rights in
kaizen.improvement.permissions: goals and opportunities the CSI manager's, an initiative's step
outputs its owner's or the CSI manager's, an action's progress also its own owner's. A missing
record is a 404 before any 403; a forbidden write on a visible record is a 403 before its
input is read. Each write is one service call; the API's exception handler
(kaizen.api.errors) answers its errors: a domain ValidationError is a 400 naming the field, a
step gate that blocks (GateBlocked, a Conflict) a 409 listing what is missing.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.core.api.serializers import versioned_update, versioned_updates
from kaizen.improvement import gates, selectors, services
from kaizen.improvement.api import serializers as s
from kaizen.improvement.api_filters import ActionFilter, OpportunityFilter
from kaizen.improvement.filters import InitiativeFilter
from kaizen.improvement.models import (
    Action,
    Analysis,
    Baseline,
    CleaningRule,
    Decision,
    Gap,
    Goal,
    Initiative,
    InitiativeKPI,
    Opportunity,
)
from kaizen.improvement.permissions import (
    can_create_initiative,
    can_manage_register,
    can_update_action,
    can_view_register,
    can_work_initiative,
)
from kaizen.kpis.selectors import all_definitions

ID = "[0-9]+"


GATE_BLOCKED = OpenApiResponse(
    s.GateBlockedSerializer, description="The step's gate blocks: `missing` lists its outputs"
)

# -- who may write ---------------------------------------------------------------------------

Rule = tuple[Callable[..., bool], str]

WORK = "Only the initiative's owner and the continual improvement manager do this."
MANAGE = "Only continual improvement owners and managers do this."
CREATE = "Initiatives are raised by process owners and managers and by the CSI manager."


def works(request: Request, obj: Any) -> bool:
    initiative = obj if isinstance(obj, Initiative) else getattr(obj, "initiative", None)
    return can_work_initiative(request.user, initiative)


def manages(request: Request, obj: Any = None) -> bool:
    return can_manage_register(request.user)


def creates(request: Request, obj: Any = None) -> bool:
    return can_create_initiative(request.user)


class RegisterAccess(permissions.BasePermission):
    """Reads for agents. Writes: the viewset's `view_rules` (no record yet, e.g. create) and
    `object_rules` (on a record: checked after the 404); a write named in neither is refused."""

    message = "The improvement register is for agents."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_view_register(request.user):
            return False
        return self._allowed(request, view.view_rules.get(view.action))

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        if request.method in permissions.SAFE_METHODS or view.action in view.view_rules:
            return True
        rule = view.object_rules.get(view.action, (lambda *args: False, MANAGE))
        return self._allowed(request, rule, obj)

    def _allowed(self, request: Request, rule: Rule | None, *args: Any) -> bool:
        if rule is None or request.method in permissions.SAFE_METHODS:
            return True
        allowed, message = rule
        if allowed(request, *args):
            return True
        self.message = message
        return False


class RegisterViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, RegisterAccess]
    lookup_value_regex = ID
    view_rules: dict[str, Rule] = {}
    object_rules: dict[str, Rule] = {}

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # KPI names and units, read once per request (the custom KPIs are one query).
        context["definitions"] = functools.cache(
            lambda: {item.key: item for item in all_definitions(include_inactive=True)}
        )
        return context

    def rows(self, serializer_class: type, rows: Any, **kwargs: Any) -> Response:
        context = self.get_serializer_context()
        return Response(serializer_class(rows, many=True, context=context, **kwargs).data)

    def one(self, serializer_class: type, row: Any, code: int = status.HTTP_200_OK) -> Response:
        context = self.get_serializer_context()
        return Response(serializer_class(row, context=context).data, status=code)

    def body(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


NESTED = {"pagination_class": None, "filter_backends": []}

# -- goals -----------------------------------------------------------------------------------


class GoalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RegisterViewSet,
):
    """The goal tree: vision, strategies, tactical and operational goals, each with its
    critical success factors and KPIs. Agents read; the CSI manager writes. No DELETE."""

    serializer_class = s.GoalSerializer
    queryset = Goal.objects.select_related("owner").prefetch_related("success_factors", "kpis")
    filterset_fields = ["level", "parent", "owner"]
    ordering_fields = ["title", "level", "starts_on", "ends_on", "updated_at"]
    ordering = ["title", "pk"]
    view_rules = {"create": (manages, MANAGE)}
    object_rules = {
        name: (manages, MANAGE) for name in ("update", "partial_update", "success_factors", "kpis")
    }

    def _reloaded(self, goal: Goal) -> Goal:
        return self.get_queryset().get(pk=goal.pk)

    def perform_create(self, serializer: s.GoalSerializer) -> None:
        goal = services.do_create_goal(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._reloaded(goal)

    def perform_update(self, serializer: s.GoalSerializer) -> None:
        goal = services.do_update_goal(
            serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )
        serializer.instance = self._reloaded(goal)

    @extend_schema(request=s.SuccessFactorSerializer, responses={201: s.SuccessFactorSerializer})
    @action(detail=True, methods=["post"], url_path="success-factors", **NESTED)
    def success_factors(self, request: Request, pk: str) -> Response:
        """Add a critical success factor: what must go right for the goal to be reached."""
        goal = self.get_object()
        factor = services.do_add_success_factor(
            goal,
            actor=request.user,
            **self.body(s.SuccessFactorSerializer),
        )
        return self.one(s.SuccessFactorSerializer, factor, status.HTTP_201_CREATED)

    @extend_schema(request=s.GoalKPISerializer, responses={201: s.GoalKPISerializer})
    @action(detail=True, methods=["post"], **NESTED)
    def kpis(self, request: Request, pk: str) -> Response:
        """Attach a KPI (optionally through one of the goal's success factors)."""
        goal = self.get_object()
        serializer = s.GoalKPISerializer(data=request.data)
        serializer.fields["success_factor"].queryset = goal.success_factors.all()
        serializer.is_valid(raise_exception=True)
        attached = services.do_attach_goal_kpi(
            goal, actor=request.user, **serializer.validated_data
        )
        return self.one(s.GoalKPISerializer, attached, status.HTTP_201_CREATED)


# -- initiatives -----------------------------------------------------------------------------

DETAIL_ACTIONS = {"list", "retrieve", "create", "partial_update"}


def latest_baselines() -> Prefetch:
    """A KPI shows its latest baseline (the model orders versions newest first). A new
    Prefetch each time: Django prefixes a nested one in place."""
    return Prefetch("baselines", Baseline.objects.select_related("recorded_by"))


def initiatives_with_outputs() -> QuerySet[Initiative]:
    """What the initiative serializer reads, in a fixed number of queries for any page."""
    return Initiative.objects.select_related("owner").prefetch_related(
        "services",
        "goals",
        Prefetch("kpis", InitiativeKPI.objects.prefetch_related(latest_baselines())),
        Prefetch("decisions", Decision.objects.select_related("decided_by")),
        Prefetch("actions", Action.objects.only("id", "initiative_id", "status", "due_on")),
    )


WORK_ACTIONS = (
    "partial_update",
    "advance",
    "return_to_step",
    "kpis",
    "assessments",
    "decisions",
    "share",
    "actions",
    "evaluate",
    "next_cycle",
)


@versioned_updates(s.InitiativeSerializer, "initiative")
class InitiativeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RegisterViewSet,
):
    """The CSI register. Each initiative walks the seven steps; `gate` says what the current
    step lacks. PATCH edits the initiative (not its step: `advance/`, `return/`). No DELETE:
    stop it with a decision instead."""

    serializer_class = s.InitiativeSerializer
    queryset = Initiative.objects.all()
    filterset_class = InitiativeFilter
    ordering_fields = ["created_at", "updated_at", "priority", "due_on", "current_step", "title"]
    ordering = ["-created_at", "-pk"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    view_rules = {"create": (creates, CREATE)}
    object_rules = {name: (works, WORK) for name in WORK_ACTIONS}
    _gates: dict[int, Any] | None = None

    def get_queryset(self) -> QuerySet[Initiative]:
        if self.action in DETAIL_ACTIONS:
            return initiatives_with_outputs()
        return Initiative.objects.select_related("owner")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        page_gates = self._gates
        context["gate_of"] = (
            (lambda initiative: page_gates[initiative.pk]) if page_gates else gates.gate
        )
        return context

    def _answer(self, initiative: Initiative, code: int = status.HTTP_200_OK) -> Response:
        return self.one(
            s.InitiativeSerializer, initiatives_with_outputs().get(pk=initiative.pk), code
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The register, newest first; each row with its current step's gate."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._gates = gates.gates_for(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer: s.InitiativeSerializer) -> None:
        fields = dict(serializer.validated_data)
        fields.setdefault("owner", self.request.user)
        initiative = services.do_create_initiative(actor=self.request.user, **fields)
        serializer.instance = initiatives_with_outputs().get(pk=initiative.pk)

    def perform_update(self, serializer: s.InitiativeSerializer) -> None:
        version, fields = versioned_update(serializer)
        initiative = services.do_update_initiative(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = initiatives_with_outputs().get(pk=initiative.pk)

    # -- moving through the steps

    @extend_schema(
        request=s.AdvanceSerializer, responses={200: s.InitiativeSerializer, 409: GATE_BLOCKED}
    )
    @action(detail=True, methods=["post"], **NESTED)
    def advance(self, request: Request, pk: str) -> Response:
        """Pass the current step's gate to the next step. A strict gate with outputs missing
        answers 409 with `missing`; an advisory one lets the step pass with an
        `override_reason` (journaled)."""
        initiative = self.get_object()
        moved = services.do_advance_step(
            initiative,
            actor=request.user,
            **self.body(s.AdvanceSerializer),
        )
        return self._answer(moved)

    @extend_schema(request=s.ReturnSerializer, responses=s.InitiativeSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", **NESTED)
    def return_to_step(self, request: Request, pk: str) -> Response:
        """Go back to an earlier step, saying why (e.g. the data needs gathering again)."""
        initiative = self.get_object()
        data = self.body(s.ReturnSerializer)
        moved = services.do_return_to_step(
            initiative,
            data["step"],
            actor=request.user,
            reason=data["reason"],
        )
        return self._answer(moved)

    @extend_schema(responses=s.GateSerializer(many=True))
    @action(detail=True, methods=["get"], **NESTED)
    def gates(self, request: Request, pk: str) -> Response:
        """The gate of every step, 1 to 7: what each has produced and what it lacks."""
        initiative = self.get_object()
        return self.rows(s.GateSerializer, gates.all_gates(initiative))

    # -- step 1: the KPIs

    @extend_schema(methods=["GET"], responses=s.InitiativeKPISerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.InitiativeKPICreateSerializer,
        responses={201: s.InitiativeKPISerializer},
    )
    @action(detail=True, methods=["get", "post"], **NESTED)
    def kpis(self, request: Request, pk: str) -> Response:
        """The KPIs the initiative measures. POST adds one from the KPI library (target and
        warning default to the KPI's own); PATCH `/initiative-kpis/{id}/` sets the rest."""
        initiative = self.get_object()
        if request.method == "GET":
            rows = initiative.kpis.prefetch_related(latest_baselines())
            return self.rows(s.InitiativeKPISerializer, rows)
        added = services.do_add_initiative_kpi(
            initiative,
            actor=request.user,
            **self.body(s.InitiativeKPICreateSerializer),
        )
        row = InitiativeKPI.objects.prefetch_related(latest_baselines()).get(pk=added.pk)
        return self.one(s.InitiativeKPISerializer, row, status.HTTP_201_CREATED)

    # -- step 2: what can be measured

    @extend_schema(methods=["GET"], responses=s.DataAssessmentSerializer(many=True))
    @extend_schema(methods=["POST"], request=None, responses={201: s.DataAssessmentSerializer})
    @action(detail=True, methods=["get", "post"], **NESTED)
    def assessments(self, request: Request, pk: str) -> Response:
        """Data assessments, newest first. POST computes one now: for each KPI whether its
        data exists and how good it is; the gaps (`gaps/`) follow from it."""
        initiative = self.get_object()
        if request.method == "GET":
            rows = initiative.assessments.select_related("computed_by")
            return self.rows(s.DataAssessmentSerializer, rows)
        assessment = services.do_assess_data(initiative, actor=request.user)
        return self.one(s.DataAssessmentSerializer, assessment, status.HTTP_201_CREATED)

    @extend_schema(responses=s.GapSerializer(many=True))
    @action(detail=True, methods=["get"], **NESTED)
    def gaps(self, request: Request, pk: str) -> Response:
        """The gap analysis: should vs can, and what it takes to close each gap."""
        initiative = self.get_object()
        return self.rows(s.GapSerializer, initiative.gaps.select_related("owner"))

    # -- step 6: the decision and the report

    @extend_schema(methods=["GET"], responses=s.DecisionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.DecisionSerializer,
        responses={201: s.DecisionSerializer},
    )
    @action(detail=True, methods=["get", "post"], **NESTED)
    def decisions(self, request: Request, pk: str) -> Response:
        """Decisions, newest first. POST records one: `implement` moves to step 7,
        `keep_measuring` back to step 3, `stop` closes the initiative."""
        initiative = self.get_object()
        if request.method == "GET":
            return self.rows(
                s.DecisionSerializer, initiative.decisions.select_related("decided_by")
            )
        decision = services.do_record_decision(
            initiative,
            actor=request.user,
            **self.body(s.DecisionSerializer),
        )
        return self.one(s.DecisionSerializer, decision, status.HTTP_201_CREATED)

    @extend_schema(methods=["POST"], request=s.ShareRequestSerializer, responses=s.ShareSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"], **NESTED)
    def share(self, request: Request, pk: str) -> Response:
        """POST: a new read-only link to the initiative's report, for people without an
        account, replacing the current one. The link (its token) is in this answer only: only
        its hash is kept. It expires after `days` or at the end of `expires_on` (default: the
        setting KAIZEN_SHARE_LINK_DAYS). DELETE revokes it."""
        initiative = self.get_object()
        if request.method == "DELETE":
            services.do_unshare_report(initiative, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        token = services.do_share_report(
            initiative, actor=request.user, **self.body(s.ShareRequestSerializer)
        )
        link = {
            "token": token,
            "url": s.share_url(request, token),
            "expires_at": initiative.share_expires_at,
        }
        return Response(s.ShareSerializer(link).data)

    # -- step 7: corrective actions, evaluation, the next cycle

    @extend_schema(methods=["GET"], responses=s.ActionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.ActionSerializer, responses={201: s.ActionSerializer}
    )
    @action(detail=True, methods=["get", "post"], **NESTED)
    def actions(self, request: Request, pk: str) -> Response:
        """The initiative's corrective actions, by due date. POST adds one (open)."""
        initiative = self.get_object()
        if request.method == "GET":
            return self.rows(s.ActionSerializer, initiative.actions.select_related("owner"))
        data = self.body(s.ActionSerializer)
        refused = sorted(set(data) - set(s.ACTION_CREATE_FIELDS))
        if refused:
            raise exceptions.ValidationError(
                {name: ["set it with PATCH /api/v1/actions/{id}/"] for name in refused}
            )
        created = services.do_create_action(initiative, actor=request.user, **data)
        row = Action.objects.select_related("initiative", "owner").get(pk=created.pk)
        return self.one(s.ActionSerializer, row, status.HTTP_201_CREATED)

    @extend_schema(request=s.EvaluateSerializer, responses={201: s.EvaluationSerializer})
    @action(detail=True, methods=["post"], **NESTED)
    def evaluate(self, request: Request, pk: str) -> Response:
        """Re-measure after the evaluation window and compare with the baseline: the target
        met, the result is adopted as the new baseline (completed); else not met. `force`
        evaluates before the window has ended."""
        initiative = self.get_object()
        options = self.body(s.EvaluateSerializer)
        kwargs = {"force": True} if options["force"] else {}
        evaluation = services.do_evaluate_initiative(initiative, actor=request.user, **kwargs)
        return self.one(s.EvaluationSerializer, evaluation, status.HTTP_201_CREATED)

    @extend_schema(responses=s.EvaluationSerializer(many=True))
    @action(detail=True, methods=["get"], **NESTED)
    def evaluations(self, request: Request, pk: str) -> Response:
        """Evaluations, newest first, each with its per-KPI results."""
        initiative = self.get_object()
        rows = initiative.evaluations.select_related("evaluated_by")
        return self.rows(s.EvaluationSerializer, rows)

    @extend_schema(request=None, responses={201: s.InitiativeSerializer})
    @action(detail=True, methods=["post"], url_path="next-cycle", url_name="next-cycle", **NESTED)
    def next_cycle(self, request: Request, pk: str) -> Response:
        """Open the next improvement cycle: a new initiative with the KPIs, cleaning rules and
        adopted baseline carried over."""
        initiative = self.get_object()
        opened = services.do_open_next_cycle(initiative, actor=request.user)
        return self._answer(opened, status.HTTP_201_CREATED)


# -- an initiative's KPIs: collection, processing, analysis, baselines ------------------------


@versioned_updates(s.InitiativeKPISerializer, "initiative KPI")
class InitiativeKPIViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, RegisterViewSet
):
    """One KPI of an initiative, with how its data is gathered (step 3), processed (step 4)
    and analysed (step 5). DELETE removes it from the initiative."""

    serializer_class = s.InitiativeKPISerializer
    queryset = InitiativeKPI.objects.all()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    object_rules = {
        name: (works, WORK)
        for name in ("partial_update", "destroy", "cleaning_rules", "analyses", "baselines")
    }

    def get_queryset(self) -> QuerySet[InitiativeKPI]:
        return InitiativeKPI.objects.select_related("initiative").prefetch_related(
            latest_baselines()
        )

    def perform_update(self, serializer: s.InitiativeKPISerializer) -> None:
        version, fields = versioned_update(serializer)
        updated = services.do_update_initiative_kpi(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self.get_queryset().get(pk=updated.pk)

    def perform_destroy(self, instance: InitiativeKPI) -> None:
        services.do_remove_initiative_kpi(instance, actor=self.request.user)

    @extend_schema(responses=s.CollectionStatusSerializer)
    @action(detail=True, methods=["get"], **NESTED)
    def collection(self, request: Request, pk: str) -> Response:
        """Step 3: is the data arriving as scheduled? Source, last data, periods missing."""
        return Response(selectors.collection_status(self.get_object()))

    @extend_schema(methods=["GET"], responses=s.CleaningRuleSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.CleaningRuleSerializer,
        responses={201: s.CleaningRuleSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="cleaning-rules", **NESTED)
    def cleaning_rules(self, request: Request, pk: str) -> Response:
        """Step 4: the cleaning rules applied to the KPI's figures (each with its reason)."""
        ikpi = self.get_object()
        if request.method == "GET":
            return self.rows(
                s.CleaningRuleSerializer, ikpi.cleaning_rules.select_related("created_by")
            )
        rule = services.do_add_cleaning_rule(
            ikpi,
            actor=request.user,
            **self.body(s.CleaningRuleSerializer),
        )
        return self.one(s.CleaningRuleSerializer, rule, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=s.AnalysisSummarySerializer(many=True))
    @extend_schema(methods=["POST"], request=None, responses={201: s.AnalysisSerializer})
    @action(detail=True, methods=["get", "post"], **NESTED)
    def analyses(self, request: Request, pk: str) -> Response:
        """Step 5: analyses, newest first (`/analyses/{id}/` has the chart numbers). POST
        analyses the KPI now over its range, with its cleaning rules and change date."""
        ikpi = self.get_object()
        if request.method == "GET":
            rows = ikpi.analyses.select_related("initiative_kpi", "computed_by")
            return self.rows(s.AnalysisSummarySerializer, rows)
        analysis = services.do_analyse_kpi(ikpi, actor=request.user)
        row = Analysis.objects.select_related("initiative_kpi", "computed_by").get(pk=analysis.pk)
        return self.one(s.AnalysisSerializer, row, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=s.BaselineSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.RecordBaselineSerializer, responses={201: s.BaselineSerializer}
    )
    @action(detail=True, methods=["get", "post"], **NESTED)
    def baselines(self, request: Request, pk: str) -> Response:
        """Step 5: the KPI's baseline versions, newest first. POST records one from the
        latest analysis, or from the one given."""
        ikpi = self.get_object()
        if request.method == "GET":
            return self.rows(s.BaselineSerializer, ikpi.baselines.select_related("recorded_by"))
        serializer = s.RecordBaselineSerializer(data=request.data)
        serializer.fields["analysis"].queryset = ikpi.analyses.all()
        serializer.is_valid(raise_exception=True)
        baseline = services.do_record_baseline(
            ikpi,
            actor=request.user,
            analysis=serializer.validated_data.get("analysis"),
        )
        return self.one(s.BaselineSerializer, baseline, status.HTTP_201_CREATED)


class CleaningRuleViewSet(mixins.DestroyModelMixin, RegisterViewSet):
    """Step 4: DELETE removes a cleaning rule (journaled)."""

    serializer_class = s.CleaningRuleSerializer
    queryset = CleaningRule.objects.select_related("initiative_kpi__initiative")
    object_rules = {"destroy": (lambda request, rule: works(request, rule.initiative_kpi), WORK)}

    def perform_destroy(self, instance: CleaningRule) -> None:
        services.do_remove_cleaning_rule(instance, actor=self.request.user)


@versioned_updates(s.GapSerializer, "gap")
class GapViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, RegisterViewSet):
    """Step 2: one gap. PATCH sets what it takes to close it, who does, and its status."""

    serializer_class = s.GapSerializer
    queryset = Gap.objects.select_related("initiative", "owner")
    http_method_names = ["get", "patch", "head", "options"]
    object_rules = {"partial_update": (works, WORK)}

    def perform_update(self, serializer: s.GapSerializer) -> None:
        version, fields = versioned_update(serializer)
        gap = services.do_update_gap(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self.get_queryset().get(pk=gap.pk)


class AnalysisViewSet(mixins.RetrieveModelMixin, RegisterViewSet):
    """Step 5: one analysis with the numbers behind every chart."""

    serializer_class = s.AnalysisSerializer
    queryset = Analysis.objects.select_related("initiative_kpi", "computed_by")


# -- corrective actions ----------------------------------------------------------------------


def may_update_action(request: Request, action: Action) -> bool:
    if can_work_initiative(request.user, action.initiative):
        return True
    return can_update_action(request.user, action) and set(request.data) <= {
        *services.ACTION_PROGRESS_FIELDS,
        "version",
    }


@versioned_updates(s.ActionSerializer, "action")
class ActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, RegisterViewSet
):
    """Corrective actions of every initiative: `?owner=<your id>&overdue=true` is your list.
    An action's owner PATCHes its `status`, `done_on` and `change_reference` (as on its page);
    the initiative's owner and the CSI manager change everything. When the last open action
    is done the evaluation window opens."""

    serializer_class = s.ActionSerializer
    queryset = Action.objects.select_related("initiative", "owner")
    filterset_class = ActionFilter
    ordering_fields = ["due_on", "created_at", "updated_at", "status"]
    ordering = ["due_on", "pk"]
    http_method_names = ["get", "patch", "head", "options"]
    object_rules = {
        "partial_update": (
            may_update_action,
            "The action's owner reports its status, done date and change; the initiative's "
            "owner and the CSI manager change the rest.",
        )
    }

    def perform_update(self, serializer: s.ActionSerializer) -> None:
        version, fields = versioned_update(serializer)
        updated = services.do_update_action(
            serializer.instance, actor=self.request.user, expected_version=version, **fields
        )
        serializer.instance = self.get_queryset().get(pk=updated.pk)


# -- opportunities ---------------------------------------------------------------------------


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegisterViewSet):
    """Improvements the data suggests (adverse trends, control chart signals, SLA hot spots,
    satisfaction drops, recurring incidents), strongest first. The CSI manager dismisses one;
    whoever may raise an initiative (a process owner or manager, the CSI manager) starts one
    from it."""

    serializer_class = s.OpportunitySerializer
    queryset = Opportunity.objects.select_related("dismissed_by")
    filterset_class = OpportunityFilter
    ordering_fields = ["strength", "first_seen_at", "last_seen_at"]
    ordering = ["-strength", "pk"]
    object_rules = {"dismiss": (manages, MANAGE), "start": (creates, CREATE)}

    @extend_schema(request=s.DismissSerializer, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"], **NESTED)
    def dismiss(self, request: Request, pk: str) -> Response:
        """Not worth an initiative, and why. It reopens only if its evidence grows stronger."""
        opportunity = self.get_object()
        dismissed = services.do_dismiss_opportunity(
            opportunity,
            actor=request.user,
            **self.body(s.DismissSerializer),
        )
        return self.one(s.OpportunitySerializer, self.get_queryset().get(pk=dismissed.pk))

    @extend_schema(request=s.StartSerializer, responses={201: s.InitiativeSerializer})
    @action(detail=True, methods=["post"], **NESTED)
    def start(self, request: Request, pk: str) -> Response:
        """Start an initiative from the opportunity (its KPI and evidence carried over)."""
        opportunity = self.get_object()
        initiative = services.do_start_initiative_from_opportunity(
            opportunity,
            actor=request.user,
            owner=self.body(s.StartSerializer).get("owner"),
        )
        row = initiatives_with_outputs().get(pk=initiative.pk)
        context = {**self.get_serializer_context(), "gate_of": gates.gate}
        return Response(
            s.InitiativeSerializer(row, context=context).data, status=status.HTTP_201_CREATED
        )
