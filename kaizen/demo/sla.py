"""The demo organisation's service levels: three business calendars and, per priority, a
response and a resolution target. Idempotent: calendars by slug, definitions by name."""

import datetime as dt

from kaizen.sla import services
from kaizen.sla.models import BusinessCalendar, SLADefinition

WEEKDAYS = range(5)
EVERY_DAY = range(7)
MIDNIGHT = dt.time(0)


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


CALENDARS = [
    {
        "name": "UK office hours",
        "slug": "uk-office-hours",
        "description": "The London service desk: Monday to Friday 08:00-18:00, closed on English bank holidays.",
        "time_zone": "Europe/London",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "periods": [(day, _t("08:00"), _t("18:00")) for day in WEEKDAYS],
        "closures": [
            (dt.date(2026, 12, 24), "Christmas Eve (office closed)"),
            (dt.date(2026, 12, 31), "New Year's Eve (office closed)"),
        ],
    },
    {
        "name": "24x7",
        "slug": "24x7",
        "description": "Round the clock, every day of the year: for critical incidents.",
        "time_zone": "UTC",
        "holiday_country": "",
        "holiday_subdivision": "",
        "periods": [(day, MIDNIGHT, MIDNIGHT) for day in EVERY_DAY],
        "closures": [],
    },
    {
        "name": "US service desk",
        "slug": "us-service-desk",
        "description": "The New York desk: Monday to Friday 08:00-12:00 and 13:00-18:00, closed on US federal holidays.",
        "time_zone": "America/New_York",
        "holiday_country": "US",
        "holiday_subdivision": "",
        "periods": [
            (day, start, end)
            for day in WEEKDAYS
            for start, end in ((_t("08:00"), _t("12:00")), (_t("13:00"), _t("18:00")))
        ],
        "closures": [],
    },
]

HOUR = 60
# On UK office hours a business day is 10 hours.
BUSINESS_DAY = 10 * HOUR
# priority: (response minutes, response calendar, resolution minutes, resolution calendar)
TARGETS = {
    1: (15, "24x7", 4 * HOUR, "24x7"),
    2: (30, "uk-office-hours", 8 * HOUR, "uk-office-hours"),
    3: (4 * HOUR, "uk-office-hours", 3 * BUSINESS_DAY, "uk-office-hours"),
    4: (8 * HOUR, "uk-office-hours", 5 * BUSINESS_DAY, "uk-office-hours"),
    5: (2 * BUSINESS_DAY, "uk-office-hours", 10 * BUSINESS_DAY, "uk-office-hours"),
}
PAUSE_REASONS = ["awaiting_caller", "awaiting_vendor"]
WARNINGS = [50, 75, 90]
ESCALATIONS = [
    {"at": 75, "action": "notify_assignee"},
    {"at": 90, "action": "notify_group"},
    {"at": 100, "action": "notify_manager"},
]


def _definitions() -> list[dict]:
    specs = []
    for priority, (response, response_calendar, resolution, resolution_calendar) in TARGETS.items():
        for kind, minutes, calendar in (
            ("response", response, response_calendar),
            ("resolution", resolution, resolution_calendar),
        ):
            specs.append(
                {
                    "name": f"P{priority} {kind}",
                    "kind": kind,
                    "order": 10 * priority,
                    "calendar": calendar,
                    "target_minutes": minutes,
                    "priorities": [priority],
                    # A critical incident's clock never stops: the caller is not left waiting.
                    "pause_reasons": [] if priority == 1 else PAUSE_REASONS,
                    "warning_thresholds": WARNINGS,
                    "escalations": ESCALATIONS,
                }
            )
    return specs


def load_sla() -> dict[str, int]:
    """Create what is missing; an existing calendar or definition is left as it is."""
    created = {"calendars": 0, "SLA definitions": 0}
    calendars = {calendar.slug: calendar for calendar in BusinessCalendar.objects.all()}
    for spec in CALENDARS:
        if spec["slug"] in calendars:
            continue
        calendars[spec["slug"]] = services.do_create_calendar(actor=None, **spec)
        created["calendars"] += 1
    existing = set(SLADefinition.objects.values_list("name", flat=True))
    for spec in _definitions():
        if spec["name"] in existing:
            continue
        services.do_create_sla_definition(
            actor=None, **{**spec, "calendar": calendars[spec["calendar"]]}
        )
        created["SLA definitions"] += 1
    return created
