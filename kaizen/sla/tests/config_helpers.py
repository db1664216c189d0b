"""Calendars and definitions for the configuration tests, and the query-count guard."""

import datetime as dt
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from kaizen.journal.models import JournalEvent
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.services import do_create_calendar, do_create_sla_definition
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries

LONDON = ZoneInfo("Europe/London")
OFFICE_PERIODS = [(day, dt.time(9), dt.time(17)) for day in range(5)]


def london(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def make_calendar(name: str = "UK office hours", **fields: Any) -> BusinessCalendar:
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("time_zone", "Europe/London")
    fields.setdefault("holiday_country", "GB")
    fields.setdefault("holiday_subdivision", "ENG")
    fields.setdefault("periods", OFFICE_PERIODS)
    fields.setdefault("closures", [(dt.date(2026, 12, 24), "Christmas Eve")])
    return do_create_calendar(actor=None, name=name, **fields)


def make_definition(calendar: BusinessCalendar, **fields: Any) -> SLADefinition:
    fields.setdefault("name", "Email resolution P1-2")
    fields.setdefault("kind", "resolution")
    fields.setdefault("target_minutes", 8 * 60)
    fields.setdefault("priorities", [1, 2])
    fields.setdefault("pause_reasons", ["awaiting_caller", "awaiting_vendor"])
    fields.setdefault("warning_thresholds", [50, 75, 90])
    fields.setdefault("escalations", [{"at": 90, "action": "notify_group"}])
    return do_create_sla_definition(actor=None, calendar=calendar, **fields)


# The shared check, with this app's query_counts.json.
assert_constant_queries = partial(shared_assert_constant_queries, "sla")


def last_event(subject) -> JournalEvent:
    return JournalEvent.objects.for_subject(subject).latest("id")
