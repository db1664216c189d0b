"""Reads about risk for the pages, the API and the KPI library.

brier_score: how good the risk estimates were. Each closed change with a recorded assessment
(the estimate it had when it was authorised) contributes (p - outcome)^2, outcome 1 when it
went wrong (failed, backed out, or followed by an incident: services/evidence.py) else 0; the
score is their mean. 0 is perfect; always saying 50 % scores 0.25; lower is better.
"""

from dataclasses import dataclass

from django.db.models import Avg, Case, Count, F, FloatField, Q, QuerySet, Value, When

from kaizen.changes.models import Change, RiskQuestionnaire, State
from kaizen.changes.services.evidence import with_outcomes


@dataclass(frozen=True)
class BrierScore:
    score: float
    changes: int


def brier_score(changes: QuerySet[Change]) -> BrierScore | None:
    """The Brier score over the closed changes of `changes` that have an assessment; None
    when there are none. Computed in one SQL aggregate."""
    assessed = with_outcomes(changes.filter(state=State.CLOSED, risk_assessment__isnull=False))
    outcome = Case(
        When(Q(failed=True) | Q(followed_by_incident=True), then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    error = F("risk_assessment__probability") - outcome
    result = assessed.aggregate(
        score=Avg(error * error, output_field=FloatField()), changes=Count("pk")
    )
    if not result["changes"]:
        return None
    return BrierScore(score=float(result["score"]), changes=result["changes"])


def questionnaire_versions() -> QuerySet[RiskQuestionnaire]:
    return RiskQuestionnaire.objects.select_related("published_by").order_by("-version_number")


def questionnaire_with_content(pk: int | None = None) -> RiskQuestionnaire | None:
    """A version (default: the current one) with its questions, options and rules."""
    versions = RiskQuestionnaire.objects.prefetch_related("questions__options", "rules")
    if pk is not None:
        return versions.filter(pk=pk).first()
    return versions.order_by("-version_number").first()
