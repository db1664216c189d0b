"""Survey definitions, their versions and their triggers.

A version is what a survey asks, frozen when published: a change of wording or scale is a new
version, and the figures never pool two versions (kaizen/surveys/results.py reads one at a
time). Publishing journals the whole version in the event's data, so the journal alone says
what each invitation asked.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from kaizen.catalog.models import Service
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import Team, User
from kaizen.surveys.models import (
    DEFAULT_RATING_LABELS,
    Question,
    QuestionKind,
    SurveyDefinition,
    SurveyTrigger,
    SurveyVersion,
    TriggerOutcome,
)
from kaizen.surveys.services.base import DEFINITIONS, TRIGGER_FIELDS, TRIGGERS, moment
from kaizen.surveys.triggers import field_choices, trigger_kind

MAX_QUESTIONS = 20
DEFINITION_FIELDS = (
    "name",
    "slug",
    "description",
    "is_active",
    "low_rating_max",
    "low_nps_max",
    "follow_up_not_resolved",
    "follow_up_hours",
    "follow_up_calendar",
    "offer_reopen",
)
STANDARD_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "kind": QuestionKind.RATING,
        "text": "How satisfied are you with how your ticket was handled?",
        "options": list(DEFAULT_RATING_LABELS),
        "required": True,
        "is_headline": True,
    },
    {"kind": QuestionKind.RESOLVED, "text": "Was your issue resolved?"},
    {"kind": QuestionKind.TEXT, "text": "Anything you would like to tell us?"},
)


def _check_questions(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions cleaned, or a ValidationError naming the question."""
    if not questions:
        raise ValidationError({"questions": "a survey asks at least one question"})
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": f"at most {MAX_QUESTIONS} questions"})
    cleaned = []
    for number, raw in enumerate(questions, start=1):
        kind = str(raw.get("kind", ""))
        if kind not in QuestionKind.values:
            raise ValidationError({"questions": f"question {number}: {kind!r} is not a kind"})
        text = " ".join(str(raw.get("text", "")).split())
        if not text:
            raise ValidationError({"questions": f"question {number}: say what it asks"})
        if len(text) > 300:
            raise ValidationError({"questions": f"question {number}: at most 300 characters"})
        options = [" ".join(str(option).split()) for option in raw.get("options") or []]
        if kind == QuestionKind.RATING:
            options = options or list(DEFAULT_RATING_LABELS)
            if len(options) != 5 or not all(options):
                raise ValidationError(
                    {"questions": f"question {number}: a rating labels each of its 5 points"}
                )
        elif kind == QuestionKind.CHOICE:
            if len(options) < 2 or not all(options) or len(set(options)) != len(options):
                raise ValidationError(
                    {"questions": f"question {number}: a choice has two or more distinct options"}
                )
        else:
            options = []
        headline = bool(raw.get("is_headline"))
        if headline and kind not in (QuestionKind.RATING, QuestionKind.NPS):
            raise ValidationError(
                {"questions": f"question {number}: the headline is a rating or an NPS question"}
            )
        cleaned.append(
            {
                "kind": kind,
                "text": text,
                "options": options,
                "required": bool(raw.get("required")) or headline,
                "is_headline": headline,
            }
        )
    headlines = [question for question in cleaned if question["is_headline"]]
    if len(headlines) != 1:
        raise ValidationError(
            {"questions": "exactly one question is the headline (a rating or NPS question)"}
        )
    return cleaned


def _publish(
    definition: SurveyDefinition,
    questions: list[dict[str, Any]],
    introduction: str,
    *,
    actor: User | None,
    at: dt.datetime,
) -> SurveyVersion:
    last = definition.versions.order_by("-number").values_list("number", flat=True).first()
    version = SurveyVersion.objects.create(
        definition=definition,
        number=(last or 0) + 1,
        introduction=introduction.strip(),
        published_at=at,
    )
    Question.objects.bulk_create(
        Question(version=version, position=position, **question)
        for position, question in enumerate(questions, start=1)
    )
    record_event(
        EventType.SURVEY_VERSION_PUBLISHED,
        definition,
        actor=actor,
        occurred_at=at,
        data={
            "version": version.number,
            "introduction": version.introduction,
            "questions": [
                f"{question['text']} ({QuestionKind(question['kind']).label}"
                + (", headline" if question["is_headline"] else "")
                + ")"
                for question in questions
            ],
        },
    )
    return version


def _check_definition(values: Mapping[str, Any]) -> None:
    if "name" in values and not str(values["name"]).strip():
        raise ValidationError({"name": "name the survey"})
    if "low_rating_max" in values and not 0 <= int(values["low_rating_max"]) <= 4:
        raise ValidationError({"low_rating_max": "between 0 (never) and 4"})
    if "low_nps_max" in values and not 0 <= int(values["low_nps_max"]) <= 9:
        raise ValidationError({"low_nps_max": "between 0 and 9"})
    if "follow_up_hours" in values and not 1 <= int(values["follow_up_hours"]) <= 720:
        raise ValidationError({"follow_up_hours": "between 1 and 720 hours"})


@transaction.atomic
def do_create_survey(
    *,
    actor: User | None,
    name: str,
    questions: Sequence[Mapping[str, Any]] = STANDARD_QUESTIONS,
    introduction: str = "",
    at: dt.datetime | None = None,
    **fields: Any,
) -> SurveyDefinition:
    """A survey with its first version."""
    at = moment(at)
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValueError(f"not survey fields: {', '.join(sorted(unknown))}")
    values = {"name": " ".join(name.split()), **fields}
    values.setdefault("slug", slugify(values["name"])[:120])
    _check_definition(values)
    cleaned = _check_questions(questions)
    if SurveyDefinition.objects.filter(slug=values["slug"]).exists():
        raise ValidationError({"slug": f"{values['slug']!r} is taken by another survey"})
    if SurveyDefinition.objects.filter(name=values["name"]).exists():
        raise ValidationError({"name": f"a survey is called {values['name']!r} already"})
    definition = SurveyDefinition.objects.create(created_at=at, updated_at=at, **values)
    DEFINITIONS.record_created(EventType.SURVEY_DEFINITION_CREATED, definition, actor=actor, at=at)
    _publish(definition, cleaned, introduction, actor=actor, at=at)
    return definition


@transaction.atomic
def do_update_survey(
    definition: SurveyDefinition,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **values: Any,
) -> SurveyDefinition:
    at = moment(at)
    unknown = set(values) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValueError(f"not survey fields: {', '.join(sorted(unknown))}")
    _check_definition(values)
    locked = DEFINITIONS.lock(definition, expected_version)
    before = DEFINITIONS.snapshot(locked)
    for name, value in values.items():
        setattr(locked, name, value)
    DEFINITIONS.finish(
        locked, definition, before, EventType.SURVEY_DEFINITION_UPDATED, actor=actor, at=at
    )
    return locked


@transaction.atomic
def do_publish_survey_version(
    definition: SurveyDefinition,
    *,
    questions: Sequence[Mapping[str, Any]],
    introduction: str = "",
    actor: User | None,
    at: dt.datetime | None = None,
) -> SurveyVersion:
    """A new version: invitations drawn from now on ask it; those already drawn keep theirs."""
    cleaned = _check_questions(questions)
    locked = DEFINITIONS.lock(definition, None)
    return _publish(locked, cleaned, introduction, actor=actor, at=moment(at))


def current_version(definition: SurveyDefinition) -> SurveyVersion | None:
    return definition.versions.order_by("-number").first()


def _check_trigger(values: dict[str, Any]) -> dict[str, Any]:
    """The trigger's values checked and normalised, naming the field."""
    if "kind" in values:
        kind = trigger_kind(str(values["kind"]))
        if kind is None:
            raise ValidationError({"kind": f"{values['kind']!r} is not a survey trigger"})
    if "outcome" in values and values["outcome"] not in TriggerOutcome.values:
        raise ValidationError({"outcome": f"{values['outcome']!r} is not a trigger outcome"})
    if "inclusion_rate" in values:
        rate = float(values["inclusion_rate"])
        if not 0 < rate <= 1:
            raise ValidationError({"inclusion_rate": "a share above 0 and at most 1 (1: all)"})
        values["inclusion_rate"] = rate
    if "strata" in values:
        strata = []
        for number, stratum in enumerate(values["strata"] or [], start=1):
            try:
                rate = float(stratum["rate"])
            except (KeyError, TypeError, ValueError):
                raise ValidationError({"strata": f"stratum {number}: give its rate"}) from None
            if not 0 < rate <= 1:
                raise ValidationError({"strata": f"stratum {number}: a rate above 0, at most 1"})
            service = stratum.get("service")
            priority = stratum.get("priority")
            if service is None and priority is None:
                raise ValidationError({"strata": f"stratum {number}: a service or a priority"})
            if service is not None and not Service.objects.filter(pk=service).exists():
                raise ValidationError({"strata": f"stratum {number}: no service {service}"})
            strata.append({"service": service, "priority": priority, "rate": rate})
        values["strata"] = strata
    if "service_ids" in values:
        ids = sorted({int(pk) for pk in values["service_ids"] or []})
        if len(ids) != Service.objects.filter(pk__in=ids).count():
            raise ValidationError({"service_ids": "a service named does not exist"})
        values["service_ids"] = ids
    if "team_ids" in values:
        ids = sorted({int(pk) for pk in values["team_ids"] or []})
        if len(ids) != Team.objects.filter(pk__in=ids).count():
            raise ValidationError({"team_ids": "a team named does not exist"})
        values["team_ids"] = ids
    kind = trigger_kind(str(values.get("kind", "incident")))
    for name, field_name in (("priorities", "priority"), ("channels", "channel")):
        if name in values:
            allowed = {value for value, _ in field_choices(kind, field_name)} if kind else set()
            chosen = sorted(set(values[name] or []))
            bad = [value for value in chosen if value not in allowed]
            if bad:
                raise ValidationError({name: f"not a {field_name}: {', '.join(map(str, bad))}"})
            values[name] = chosen
    start = values.get("window_start_hour")
    end = values.get("window_end_hour")
    if start is not None and not 0 <= int(start) <= 23:
        raise ValidationError({"window_start_hour": "an hour from 0 to 23"})
    if end is not None and not 1 <= int(end) <= 24:
        raise ValidationError({"window_end_hour": "an hour from 1 to 24"})
    if start is not None and end is not None and int(start) >= int(end):
        raise ValidationError({"window_end_hour": "after the window's start"})
    if "expiry_days" in values and not 1 <= int(values["expiry_days"]) <= 90:
        raise ValidationError({"expiry_days": "between 1 and 90 days"})
    reminder = values.get("reminder_after_days")
    if reminder and int(reminder) >= int(values.get("expiry_days", 14)):
        raise ValidationError({"reminder_after_days": "before the survey expires"})
    if "excluded_addresses" in values:
        lines = [line.strip().lower() for line in str(values["excluded_addresses"]).splitlines()]
        values["excluded_addresses"] = "\n".join(line for line in lines if line)
    return values


@transaction.atomic
def do_add_trigger(
    definition: SurveyDefinition,
    *,
    actor: User | None,
    kind: str = "incident",
    at: dt.datetime | None = None,
    **fields: Any,
) -> SurveyTrigger:
    at = moment(at)
    unknown = set(fields) - set(TRIGGER_FIELDS)
    if unknown:
        raise ValueError(f"not trigger fields: {', '.join(sorted(unknown))}")
    defaults = {
        "window_start_hour": SurveyTrigger._meta.get_field("window_start_hour").default,
        "window_end_hour": SurveyTrigger._meta.get_field("window_end_hour").default,
    }
    values = _check_trigger({**defaults, "kind": kind, **fields})
    trigger = SurveyTrigger.objects.create(
        definition=definition, created_at=at, updated_at=at, **values
    )
    TRIGGERS.record_created(EventType.SURVEY_TRIGGER_CREATED, trigger, actor=actor, at=at)
    return trigger


@transaction.atomic
def do_update_trigger(
    trigger: SurveyTrigger,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **values: Any,
) -> SurveyTrigger:
    at = moment(at)
    unknown = set(values) - (set(TRIGGER_FIELDS) - {"definition", "kind"})
    if unknown:
        raise ValueError(f"not editable trigger fields: {', '.join(sorted(unknown))}")
    locked = TRIGGERS.lock(trigger, expected_version)
    merged = {
        "kind": locked.kind,
        "window_start_hour": locked.window_start_hour,
        "window_end_hour": locked.window_end_hour,
        "expiry_days": locked.expiry_days,
        **values,
    }
    checked = _check_trigger(merged)
    before = TRIGGERS.snapshot(locked)
    for name in values:
        setattr(locked, name, checked[name])
    TRIGGERS.finish(locked, trigger, before, EventType.SURVEY_TRIGGER_UPDATED, actor=actor, at=at)
    return locked
