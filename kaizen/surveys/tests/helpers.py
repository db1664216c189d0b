"""Survey test helpers: a survey with one incident trigger, incidents resolved through the
incident services (so the journal holds what the planner reads)."""

import datetime as dt
import random
from typing import Any

from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.people.models import UserKind
from kaizen.surveys.models import SurveyDefinition, SurveyTrigger
from kaizen.surveys.planner import PlanRun, do_plan_invitations
from kaizen.surveys.services.definitions import do_add_trigger, do_create_survey
from kaizen.testing import make_user

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday, 09:00 UTC


def make_survey(
    name: str = "After resolution", **trigger: Any
) -> tuple[SurveyDefinition, SurveyTrigger]:
    definition = do_create_survey(actor=None, name=name, at=T0 - dt.timedelta(days=30))
    trigger.setdefault("delay_minutes", 0)
    trigger.setdefault("window_start_hour", 0)
    trigger.setdefault("window_end_hour", 24)
    trigger.setdefault("cooldown_days", 0)
    made = do_add_trigger(definition, actor=None, at=T0 - dt.timedelta(days=30), **trigger)
    return definition, made


def requester(name: str | None = None, **fields: Any):
    return make_user(name, kind=UserKind.REQUESTER, **fields)


def resolved_incident(caller=None, *, at: dt.datetime = T0, **fields: Any):
    incident = make_incident(caller=caller or requester(), **fields)
    return move(incident, "in_progress", "resolved", at=at)


def plan(seed: int = 1, now: dt.datetime | None = None) -> PlanRun:
    return do_plan_invitations(now=now or T0 + dt.timedelta(minutes=1), rng=random.Random(seed))
