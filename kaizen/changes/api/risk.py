"""Risk endpoints: the questionnaire (read; change managers publish the next version), a
change's stated risk with its reasons and answers (agents answer), and the evidence from past
changes. Requesters get 403 on all of them, even for the changes they raised (docs/api.md:
a change one may not see at all is a 404)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from kaizen.catalog.models import CIType, Criticality
from kaizen.changes.models import Change, Risk, RiskAnswer, RiskRuleKind
from kaizen.changes.permissions import (
    can_answer_risk_questionnaire,
    can_edit_risk_questionnaire,
    can_see_change_risk,
)
from kaizen.changes.risk_selectors import questionnaire_versions, questionnaire_with_content
from kaizen.changes.selectors import change_detail_for
from kaizen.changes.services import risk as risk_services
from kaizen.changes.services.evidence import CREDIBILITY, disagreement, evidence_for

# -- serializers ------------------------------------------------------------------------------

RISK_HELP = "1 low, 2 moderate, 3 high, 4 very high"


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(max_length=150)
    weight = serializers.IntegerField(min_value=0, max_value=risk_services.MAX_WEIGHT)


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=300)
    options = OptionSerializer(many=True)


class RuleSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=RiskRuleKind.choices)
    ci_type = serializers.ChoiceField(choices=CIType.choices, required=False, allow_blank=True)
    criticality = serializers.ChoiceField(
        choices=Criticality.choices, required=False, allow_blank=True
    )
    at_least = serializers.IntegerField(
        min_value=Risk.LOW, max_value=Risk.VERY_HIGH, help_text=RISK_HELP
    )
    condition = serializers.CharField(read_only=True)


class QuestionnaireSerializer(serializers.Serializer):
    version_number = serializers.IntegerField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True)
    published_by = serializers.CharField(read_only=True, allow_null=True)
    note = serializers.CharField(max_length=250, required=False, allow_blank=True)
    moderate_from = serializers.IntegerField(min_value=1)
    high_from = serializers.IntegerField(min_value=1)
    very_high_from = serializers.IntegerField(min_value=1)
    questions = QuestionSerializer(many=True)
    rules = RuleSerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    text = serializers.CharField()
    deciding = serializers.BooleanField()


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="the question's id")
    option = serializers.IntegerField(help_text="the chosen option's id")
    question_text = serializers.CharField(read_only=True)
    answer = serializers.CharField(read_only=True)
    weight = serializers.IntegerField(read_only=True)


class AnswersInputSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True)
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="the change's version you read (409 if stale)"
    )


class ChangeRiskSerializer(serializers.Serializer):
    number = serializers.CharField()
    risk = serializers.IntegerField(help_text=RISK_HELP)
    risk_label = serializers.CharField()
    summary = serializers.CharField()
    reasons = ReasonSerializer(many=True)
    score = serializers.IntegerField(allow_null=True)
    questionnaire_version = serializers.IntegerField(allow_null=True)
    answers = AnswerSerializer(many=True)
    can_answer = serializers.BooleanField()
    why_not = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class SimilarSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    closed_at = serializers.DateTimeField()
    closure_code = serializers.CharField()
    failed = serializers.BooleanField()
    followed_by_incident = serializers.BooleanField()
    outcome = serializers.CharField()


class EvidenceSerializer(serializers.Serializer):
    number = serializers.CharField()
    tier = serializers.CharField(allow_null=True)
    tier_label = serializers.CharField(allow_null=True)
    sample_size = serializers.IntegerField()
    failed = serializers.IntegerField()
    followed_by_incident = serializers.IntegerField()
    went_wrong = serializers.IntegerField()
    probability = serializers.FloatField()
    interval = serializers.ListField(child=serializers.FloatField())
    credibility = serializers.FloatField()
    base_rate = serializers.FloatField()
    in_words = serializers.CharField()
    stated_risk = serializers.IntegerField(help_text=RISK_HELP)
    disagreement = serializers.CharField(allow_null=True)
    similar = SimilarSerializer(many=True)


# -- helpers ----------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise exceptions.PermissionDenied(message)


def _change(request: Request, number: str) -> Change:
    change = get_object_or_404(change_detail_for(request.user), number=number)
    _require(
        can_see_change_risk(request.user), "The risk of a change is for agents and CAB members."
    )
    return change


def _questionnaire_data(questionnaire: Any) -> dict[str, Any]:
    return {
        **risk_services.questionnaire_content(questionnaire),
        "published_at": questionnaire.published_at,
        "published_by": str(questionnaire.published_by) if questionnaire.published_by else None,
        "note": questionnaire.note,
        "questions": [
            {
                "id": question.pk,
                "text": question.text,
                "options": [
                    {"id": option.pk, "label": option.label, "weight": option.weight}
                    for option in question.options.all()
                ],
            }
            for question in questionnaire.questions.all()
        ],
        "rules": [
            {
                "position": rule.position,
                "kind": rule.kind,
                "ci_type": rule.ci_type,
                "criticality": rule.criticality,
                "at_least": rule.at_least,
                "condition": rule.condition,
            }
            for rule in questionnaire.rules.all()
        ],
    }


def _answer_data(answer: RiskAnswer) -> dict[str, Any]:
    return {
        "question": answer.question_id,
        "option": answer.option_id,
        "question_text": answer.question.text,
        "answer": answer.option.label,
        "weight": answer.option.weight,
    }


def _change_risk(request: Request, change: Change) -> dict[str, Any]:
    stated = risk_services.assess_stated_risk(change)
    answers = change.risk_answers.select_related("question", "option").order_by(
        "question__position"
    )
    why_not = risk_services.answering_refused(change)
    return {
        "number": change.number,
        "risk": stated.risk,
        "risk_label": stated.risk.label,
        "summary": stated.summary,
        "reasons": [{"text": r.text, "deciding": r.deciding} for r in stated.reasons],
        "score": stated.score,
        "questionnaire_version": stated.questionnaire.version_number
        if stated.questionnaire
        else None,
        "answers": [_answer_data(answer) for answer in answers],
        "can_answer": why_not is None and can_answer_risk_questionnaire(request.user),
        "why_not": why_not,
        "version": change.version,
    }


# -- endpoints --------------------------------------------------------------------------------


@extend_schema(methods=["GET"], responses=QuestionnaireSerializer, summary="The risk questionnaire")
@extend_schema(
    methods=["POST"],
    request=QuestionnaireSerializer,
    responses={201: QuestionnaireSerializer},
    summary="Publish the next version (change managers)",
)
@api_view(["GET", "POST"])
@permission_classes([permissions.IsAuthenticated])
def questionnaire(request: Request) -> Response:
    """The current version with its questions (ids to answer with), thresholds and rules;
    `?version=N` an earlier one. POST publishes the next version (earlier answers keep theirs).
    """
    _require(can_see_change_risk(request.user), "The risk questionnaire is for agents.")
    if request.method == "POST":
        _require(
            can_edit_risk_questionnaire(request.user),
            "The change managers edit the risk questionnaire.",
        )
        given = QuestionnaireSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        published = risk_services.do_publish_risk_questionnaire(
            actor=request.user,
            questions=[
                {"text": q["text"], "options": [dict(o) for o in q["options"]]}
                for q in data["questions"]
            ],
            rules=[dict(rule) for rule in data["rules"]],
            moderate_from=data["moderate_from"],
            high_from=data["high_from"],
            very_high_from=data["very_high_from"],
            note=data.get("note", ""),
        )
        shown = questionnaire_with_content(published.pk)
        return Response(_questionnaire_data(shown), status=status.HTTP_201_CREATED)
    wanted = request.query_params.get("version")
    shown = questionnaire_with_content()
    if wanted:
        match = (
            questionnaire_versions().filter(version_number=wanted).first()
            if wanted.isdigit()
            else None
        )
        if match is None:
            raise exceptions.NotFound()
        shown = questionnaire_with_content(match.pk)
    if shown is None:
        raise exceptions.NotFound()
    return Response(_questionnaire_data(shown))


@extend_schema(methods=["GET"], responses=ChangeRiskSerializer, summary="A change's stated risk")
@extend_schema(
    methods=["PUT"],
    request=AnswersInputSerializer,
    responses=ChangeRiskSerializer,
    summary="Answer the current questionnaire for a change (agents)",
)
@api_view(["GET", "PUT"])
@permission_classes([permissions.IsAuthenticated])
def change_risk(request: Request, number: str) -> Response:
    """The stated risk with its reasons in words, the score and the answers. PUT answers every
    question of the current questionnaire: {"answers": [{"question": id, "option": id}]}."""
    change = _change(request, number)
    if request.method == "PUT":
        _require(
            can_answer_risk_questionnaire(request.user), "Agents answer the risk questionnaire."
        )
        given = AnswersInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answers: dict[int, int] = {}
        for item in given.validated_data["answers"]:
            if item["question"] in answers:
                raise serializers.ValidationError(
                    {"answers": [f"question {item['question']} is answered twice"]}
                )
            answers[item["question"]] = item["option"]
        change = risk_services.do_answer_risk_questionnaire(
            change,
            answers=answers,
            actor=request.user,
            expected_version=given.validated_data.get("version"),
        )
    return Response(_change_risk(request, change))


@extend_schema(responses=EvidenceSerializer, summary="The evidence from similar past changes")
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def change_evidence(request: Request, number: str) -> Response:
    """How the most similar closed changes turned out, and the estimated probability that this
    one goes wrong with its 90 % credible interval and sample size (docs/change-risk.md)."""
    change = _change(request, number)
    found = evidence_for(change)
    estimate = found.estimate
    return Response(
        {
            "number": change.number,
            "tier": found.tier.key if found.tier else None,
            "tier_label": found.tier.label if found.tier else None,
            "sample_size": estimate.sample_size,
            "failed": found.failed,
            "followed_by_incident": found.followed_by_incident,
            "went_wrong": found.went_wrong,
            "probability": estimate.probability,
            "interval": [estimate.low, estimate.high],
            "credibility": CREDIBILITY,
            "base_rate": found.base_rate,
            "in_words": estimate.in_words,
            "stated_risk": change.risk,
            "disagreement": disagreement(Risk(change.risk), estimate),
            "similar": [
                {
                    "number": row.number,
                    "title": row.title,
                    "closed_at": row.closed_at,
                    "closure_code": row.closure_code,
                    "failed": row.failed,
                    "followed_by_incident": row.followed_by_incident,
                    "outcome": row.outcome,
                }
                for row in found.similar
            ],
        }
    )
