"""The stated risk of a change: from its template, or from the risk questionnaire and the
ordered risk rules; and the writes around it (publishing a questionnaire version, answering
it for a change, recording the estimate a change had when it was authorised).

A standard change's risk is its approved template's. Any other change starts from what its
answers score on the questionnaire version they were given against (score thresholds map to a
risk; no answers: low); then the current version's rules, in order, may each raise it (never
lower it). The evidence from past changes (services/evidence.py) is shown beside the stated
risk, never folded into it.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from kaizen.catalog.models import CIType, Criticality
from kaizen.changes.models import (
    Change,
    ChangeType,
    Impact,
    Risk,
    RiskAnswer,
    RiskAnswerOption,
    RiskAssessment,
    RiskQuestion,
    RiskQuestionnaire,
    RiskRule,
    RiskRuleKind,
    State,
)
from kaizen.changes.services import evidence
from kaizen.changes.services.base import CHANGES, moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User

CRITICALITY_ORDER = [Criticality.LOW, Criticality.MEDIUM, Criticality.HIGH, Criticality.CRITICAL]
MAX_WEIGHT = 100


def current_questionnaire() -> RiskQuestionnaire | None:
    return RiskQuestionnaire.objects.order_by("-version_number").first()


# --- the stated risk -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    text: str
    deciding: bool = False


@dataclass(frozen=True)
class StatedRisk:
    risk: Risk
    reasons: list[Reason]
    score: int | None = None
    questionnaire: RiskQuestionnaire | None = None

    @property
    def summary(self) -> str:
        deciding = next((reason for reason in self.reasons if reason.deciding), None)
        label = self.risk.label.lower()
        if deciding is None:
            return f"Stated risk {label}."
        return f"Stated risk {label}, decided by: {deciding.text}"


def _answers_of(change: Change) -> list[RiskAnswer]:
    if change.pk is None:
        return []
    return list(
        RiskAnswer.objects.filter(change=change)
        .select_related("question__questionnaire", "option")
        .order_by("question__position")
    )


def _matches(rule: RiskRule, change: Change, facts: dict[str, Any]) -> bool:
    kind = RiskRuleKind(rule.kind)
    if kind == RiskRuleKind.EMERGENCY:
        return change.change_type == ChangeType.EMERGENCY
    if kind == RiskRuleKind.HIGH_IMPACT:
        return change.impact == Impact.HIGH
    if kind == RiskRuleKind.EXPECTED_OUTAGE:
        return bool(change.expected_outage)
    # The affected CIs and services exist only once the change is saved; each is read once.
    if change.pk is None:
        return False
    if kind == RiskRuleKind.CI_TYPE:
        if "ci_types" not in facts:
            facts["ci_types"] = {ci.ci_type for ci in change.configuration_items.all()}
        return rule.ci_type in facts["ci_types"]
    if "criticality" not in facts:
        levels = [
            CRITICALITY_ORDER.index(service.criticality)
            for service in change.services.all()
            if service.criticality in CRITICALITY_ORDER
        ]
        facts["criticality"] = max(levels, default=-1)
    return facts["criticality"] >= CRITICALITY_ORDER.index(rule.criticality)


def assess_stated_risk(change: Change) -> StatedRisk:
    """The stated risk with the reasons for it, in words; the deciding reason is the first
    that reached the final level."""
    if change.change_type == ChangeType.STANDARD and change.template_id is not None:
        template = change.template
        risk = Risk(template.risk)
        text = f"A standard change: the risk approved with its template {template}."
        return StatedRisk(risk, [Reason(text, deciding=True)])
    answers = _answers_of(change)
    steps: list[tuple[Risk, str]] = []
    score: int | None = None
    answered = answers[0].question.questionnaire if answers else None
    if answered is not None:
        score = sum(answer.option.weight for answer in answers)
        risk = answered.risk_for(score)
        steps.append(
            (
                risk,
                f"The answers to the risk questionnaire (version {answered.version_number}) "
                f"score {score}, which it calls {risk.label.lower()} "
                f"(moderate from {answered.moderate_from}, high from {answered.high_from}, "
                f"very high from {answered.very_high_from}).",
            )
        )
    else:
        risk = Risk.LOW
        steps.append((risk, "The risk questionnaire is not answered yet: low until it is."))
    current = current_questionnaire()
    facts: dict[str, Any] = {}
    for rule in current.rules.all() if current is not None else ():
        if not _matches(rule, change, facts):
            continue
        at_least = Risk(rule.at_least)
        raised = at_least > risk
        risk = max(risk, at_least)
        outcome = (
            f"raises the risk to {at_least.label.lower()}"
            if raised
            else f"asks for at least {at_least.label.lower()}, already reached"
        )
        steps.append(
            (risk if raised else Risk.LOW, f"Rule {rule.position}: {rule.condition}; it {outcome}.")
        )
    final = Risk(risk)
    deciding = next(index for index, (level, _) in enumerate(steps) if level == final)
    reasons = [Reason(text, deciding=index == deciding) for index, (_, text) in enumerate(steps)]
    return StatedRisk(final, reasons, score=score, questionnaire=answered)


def stated_risk(change: Change) -> Risk:
    """Called by records.derive() on every raise and update."""
    return assess_stated_risk(change).risk


# --- answering -------------------------------------------------------------------------------


def answering_refused(change: Change) -> str | None:
    """Why the change's questionnaire cannot be answered now (None: it can)."""
    if change.change_type == ChangeType.STANDARD:
        return "a standard change's risk is the one approved with its template"
    if change.state not in (State.DRAFT, State.ASSESS, State.AUTHORISE):
        return (
            f"{change.number} is {change.get_state_display().lower()}: its risk is the one it "
            "was assessed with"
        )
    if change.authorised_at is not None:
        return f"{change.number} is authorised: its risk is the one it was authorised with"
    return None


def answer_field(question: RiskQuestion) -> str:
    """The name a question's answer goes under (form field, API error)."""
    return f"question_{question.pk}"


@transaction.atomic
def do_answer_risk_questionnaire(
    change: Change,
    *,
    answers: Mapping[int, int],
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> Change:
    """Answer every question of the current questionnaire for the change (`answers`: question
    id -> option id). Replaces earlier answers (of any version); the stated risk follows. The
    answers, their weights and the score are journaled on the change."""
    at = moment(at)
    locked = CHANGES.lock(change, expected_version)
    refused = answering_refused(locked)
    if refused:
        raise ValidationError({"answers": refused})
    questionnaire = current_questionnaire()
    if questionnaire is None:
        raise ValidationError({"answers": "there is no risk questionnaire to answer"})
    questions = list(questionnaire.questions.prefetch_related("options"))
    chosen: list[RiskAnswerOption] = []
    errors: dict[str, str] = {}
    for question in questions:
        option_id = answers.get(question.pk)
        option = next((o for o in question.options.all() if o.pk == option_id), None)
        if option_id is None:
            errors[answer_field(question)] = f"answer “{question.text}”"
        elif option is None:
            errors[answer_field(question)] = f"{option_id!r} is not an answer to “{question.text}”"
        else:
            chosen.append(option)
    unknown = set(answers) - {question.pk for question in questions}
    if unknown:
        errors["answers"] = (
            f"not questions of questionnaire version {questionnaire.version_number}: "
            + ", ".join(str(pk) for pk in sorted(unknown))
        )
    if errors:
        raise ValidationError(errors)
    before = CHANGES.snapshot(locked)
    RiskAnswer.objects.filter(change=locked).delete()
    RiskAnswer.objects.bulk_create(
        RiskAnswer(
            change=locked, question=question, option=option, answered_by=actor, answered_at=at
        )
        for question, option in zip(questions, chosen, strict=True)
    )
    locked.risk = stated_risk(locked)
    data = {
        "questionnaire": questionnaire.version_number,
        "score": sum(option.weight for option in chosen),
        # In words, as the timeline shows them; the answer rows hold the same as ids.
        "answers": [
            f"{question.text} {option.label} (weight {option.weight})"
            for question, option in zip(questions, chosen, strict=True)
        ],
    }
    changed = CHANGES.finish(
        locked, change, before, EventType.CHANGE_RISK_ANSWERED, actor=actor, at=at, data=data
    )
    if not changed:
        # The answers are part of the change even when the risk stays: whoever read the
        # change before them must not save over them unknowingly.
        locked.version += 1
        locked.updated_at = at
        locked.save(update_fields=["version", "updated_at"])
        CHANGES.copy_into(change, locked)
    return locked


# --- publishing the questionnaire ------------------------------------------------------------


def _check_questions(questions: list[Mapping[str, Any]]) -> list[tuple[str, list[tuple[str, int]]]]:
    if not questions:
        raise ValidationError({"questions": "ask at least one question"})
    checked = []
    for number, question in enumerate(questions, start=1):
        text = str(question.get("text", "")).strip()
        where = f"question {number}"
        if not text:
            raise ValidationError({"questions": f"{where}: give its text"})
        if len(text) > RiskQuestion._meta.get_field("text").max_length:
            raise ValidationError({"questions": f"{where}: at most 300 characters"})
        options = []
        for option in question.get("options") or []:
            label = str(option.get("label", "")).strip()
            weight = option.get("weight")
            if not label or len(label) > 150:
                raise ValidationError(
                    {"questions": f"{where}: give each answer a label of at most 150 characters"}
                )
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int)
                or not (0 <= weight <= MAX_WEIGHT)
            ):
                raise ValidationError(
                    {
                        "questions": f"{where}, “{label}”: the weight is a whole number "
                        f"from 0 to {MAX_WEIGHT}"
                    }
                )
            options.append((label, weight))
        if len(options) < 2:
            raise ValidationError({"questions": f"{where}: give at least two answers"})
        checked.append((text, options))
    return checked


def _check_thresholds(moderate_from: Any, high_from: Any, very_high_from: Any) -> None:
    values = {
        "moderate_from": moderate_from,
        "high_from": high_from,
        "very_high_from": very_high_from,
    }
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError({name: "a whole score of at least 1"})
    if not moderate_from < high_from:
        raise ValidationError({"high_from": "must be above the score from which it is moderate"})
    if not high_from < very_high_from:
        raise ValidationError({"very_high_from": "must be above the score from which it is high"})


def _check_rules(rules: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    for number, rule in enumerate(rules, start=1):
        where = f"rule {number}"
        kind = rule.get("kind")
        if kind not in RiskRuleKind.values:
            raise ValidationError({"rules": f"{where}: {kind!r} is not a kind of rule"})
        ci_type = rule.get("ci_type") or ""
        criticality = rule.get("criticality") or ""
        if kind == RiskRuleKind.CI_TYPE and ci_type not in CIType.values:
            raise ValidationError({"rules": f"{where}: name the configuration item class"})
        if kind == RiskRuleKind.SERVICE_CRITICALITY and criticality not in Criticality.values:
            raise ValidationError({"rules": f"{where}: name the service criticality"})
        if rule.get("at_least") not in Risk.values:
            raise ValidationError({"rules": f"{where}: say the risk it raises to at least"})
        checked.append(
            {
                "kind": kind,
                "ci_type": ci_type if kind == RiskRuleKind.CI_TYPE else "",
                "criticality": criticality if kind == RiskRuleKind.SERVICE_CRITICALITY else "",
                "at_least": rule["at_least"],
            }
        )
    return checked


def questionnaire_content(questionnaire: RiskQuestionnaire) -> dict[str, Any]:
    """The whole version as plain values (the journal, the API, the next version's start)."""
    return {
        "version_number": questionnaire.version_number,
        "moderate_from": questionnaire.moderate_from,
        "high_from": questionnaire.high_from,
        "very_high_from": questionnaire.very_high_from,
        "questions": [
            {
                "text": question.text,
                "options": [
                    {"label": option.label, "weight": option.weight}
                    for option in question.options.all()
                ],
            }
            for question in questionnaire.questions.all()
        ],
        "rules": [
            {
                "kind": rule.kind,
                "ci_type": rule.ci_type,
                "criticality": rule.criticality,
                "at_least": rule.at_least,
            }
            for rule in questionnaire.rules.all()
        ],
    }


@transaction.atomic
def do_publish_risk_questionnaire(
    *,
    actor: User | None,
    questions: list[Mapping[str, Any]],
    rules: Iterable[Mapping[str, Any]],
    moderate_from: int,
    high_from: int,
    very_high_from: int,
    note: str = "",
    at: dt.datetime | None = None,
) -> RiskQuestionnaire:
    """Publish the next version of the questionnaire with its rules: `questions` as
    [{"text", "options": [{"label", "weight"}]}], `rules` in order as [{"kind", "ci_type",
    "criticality", "at_least"}]. Earlier versions stay as they were (answers keep them)."""
    at = moment(at)
    checked = _check_questions(list(questions))
    _check_thresholds(moderate_from, high_from, very_high_from)
    checked_rules = _check_rules(list(rules))
    last = RiskQuestionnaire.objects.select_for_update().aggregate(last=Max("version_number"))
    questionnaire = RiskQuestionnaire.objects.create(
        version_number=(last["last"] or 0) + 1,
        moderate_from=moderate_from,
        high_from=high_from,
        very_high_from=very_high_from,
        note=note.strip()[:250],
        published_by=actor,
        published_at=at,
    )
    for position, (text, options) in enumerate(checked, start=1):
        question = RiskQuestion.objects.create(
            questionnaire=questionnaire, position=position, text=text
        )
        RiskAnswerOption.objects.bulk_create(
            RiskAnswerOption(question=question, position=index, label=label, weight=weight)
            for index, (label, weight) in enumerate(options, start=1)
        )
    RiskRule.objects.bulk_create(
        RiskRule(questionnaire=questionnaire, position=position, **rule)
        for position, rule in enumerate(checked_rules, start=1)
    )
    record_event(
        EventType.RISK_QUESTIONNAIRE_PUBLISHED,
        questionnaire,
        actor=actor,
        data={**questionnaire_content(questionnaire), "note": questionnaire.note},
        occurred_at=at,
    )
    return questionnaire


# --- the estimate a change was authorised with -----------------------------------------------


def assessment_moment(change: Change) -> dt.datetime | None:
    """When the change's risk was accepted: its authorisation, or (a standard change, which
    needs none) its scheduling, the first time it left Draft."""
    if change.needs_authorisation:
        return change.authorised_at
    return change.submitted_at


@transaction.atomic
def do_record_risk_assessment(
    change: Change, *, actor: User | None = None, at: dt.datetime | None = None
) -> RiskAssessment:
    """Keep the stated risk and the evidence's estimate as they stood at `at` (default: the
    change's authorisation, or scheduling for a standard change; else now). One row per
    change: a change authorised again (after being planned again) keeps its latest."""
    at = at or assessment_moment(change) or moment(None)
    found = evidence.evidence_for(change, as_of=at)
    estimate = found.estimate
    values = {
        "stated_risk": change.risk,
        "probability": estimate.probability,
        "interval_low": estimate.low,
        "interval_high": estimate.high,
        "sample_size": estimate.sample_size,
        "bad_outcomes": estimate.bad_outcomes,
        "tier": found.tier.key if found.tier else "",
        "assessed_at": at,
    }
    assessment, _ = RiskAssessment.objects.update_or_create(change=change, defaults=values)
    record_event(
        EventType.CHANGE_RISK_ASSESSED,
        change,
        actor=actor,
        data={**values, "estimate": estimate.in_words},
        occurred_at=at,
    )
    return assessment


def do_record_missing_risk_assessments(*, limit: int | None = None) -> int:
    """Record the assessment of every change accepted (authorised, or a standard change
    scheduled) that has none, as it stood then: imported history, and changes accepted before
    this was installed. Returns how many were recorded."""
    pending = (
        Change.objects.filter(risk_assessment__isnull=True)
        .exclude(
            authorised_at__isnull=True, change_type__in=[ChangeType.NORMAL, ChangeType.EMERGENCY]
        )
        .exclude(submitted_at__isnull=True, change_type=ChangeType.STANDARD)
        .select_related("template")
        .order_by("pk")
    )
    recorded = 0
    for change in pending[:limit] if limit else pending:
        do_record_risk_assessment(change)
        recorded += 1
    return recorded
