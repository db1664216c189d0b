"""kaizen/demo/sla.py: the demo's calendars and per-priority targets, loaded idempotently."""

import pytest

from kaizen.demo.sla import load_sla
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.targets import calendar_index
from kaizen.sla.templatetags.sla import week_summary
from kaizen.sla.tests.config_helpers import london

pytestmark = pytest.mark.django_db


def test_it_loads_three_calendars_and_ten_definitions_once():
    assert load_sla() == {"calendars": 3, "SLA definitions": 10}
    assert load_sla() == {"calendars": 0, "SLA definitions": 0}
    calendars = {c.name: c for c in BusinessCalendar.objects.prefetch_related("periods")}
    assert {name: week_summary(c) for name, c in calendars.items()} == {
        "UK office hours": "Mon–Fri 08:00–18:00 (50 h a week)",
        "24x7": "Every day all day (168 h a week)",
        "US service desk": "Mon–Fri 08:00–12:00, 13:00–18:00 (45 h a week)",
    }
    assert (
        calendars["UK office hours"].holiday_country,
        calendars["US service desk"].holiday_country,
    ) == ("GB", "US")


def test_it_gives_each_priority_its_targets():
    load_sla()
    targets = {
        d.name: (d.target_minutes, d.calendar.slug, d.priorities, d.pause_reasons)
        for d in SLADefinition.objects.select_related("calendar")
    }
    paused = ["awaiting_caller", "awaiting_vendor"]
    assert targets["P1 response"] == (15, "24x7", [1], [])
    assert targets["P1 resolution"] == (240, "24x7", [1], [])
    assert targets["P2 response"] == (30, "uk-office-hours", [2], paused)
    assert targets["P3 resolution"] == (3 * 600, "uk-office-hours", [3], paused)
    assert targets["P5 response"] == (2 * 600, "uk-office-hours", [5], paused)
    assert targets["P5 resolution"] == (10 * 600, "uk-office-hours", [5], paused)
    definition = SLADefinition.objects.get(name="P4 resolution")
    assert definition.warning_thresholds == [50, 75, 90]
    assert [step["action"] for step in definition.escalations] == [
        "notify_assignee",
        "notify_group",
        "notify_manager",
    ]


def test_it_closes_the_uk_calendar_on_english_bank_holidays():
    load_sla()
    calendar = BusinessCalendar.objects.prefetch_related("periods", "closures").get(
        slug="uk-office-hours"
    )
    index = calendar_index(calendar)
    # Three business days from 08:00 on the Thursday before Easter: Thu, then Tue and Wed after.
    due = index.instant_reaching(london("2026-04-02 08:00"), 3 * 600 * 60_000_000)
    assert due == london("2026-04-08 18:00")
