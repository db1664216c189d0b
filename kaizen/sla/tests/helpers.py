"""An office calendar and per-priority definitions for SLA tests."""

import datetime as dt

from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.services import do_create_calendar, do_create_sla_definition
from kaizen.sla.tests.config_helpers import london

H = 3600 * 1_000_000
M = 60 * 1_000_000


def office_calendar(slug: str = "office") -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 Europe/London, no public holidays."""
    return do_create_calendar(
        actor=None,
        name=f"Office {slug}",
        slug=slug,
        time_zone="Europe/London",
        periods=[(day, dt.time(9), dt.time(17)) for day in range(5)],
    )


def priority_definitions(calendar: BusinessCalendar, **overrides) -> dict[str, SLADefinition]:
    """Response 1 h and resolution 8 h for priority 3 (medium/medium); 15 min / 4 h for P1."""
    common = {
        "calendar": calendar,
        "pause_reasons": ["awaiting_caller", "awaiting_vendor"],
        "warning_thresholds": [50, 75, 90],
        **overrides,
    }
    specs = {
        "p3_response": ("response", 60, [3]),
        "p3_resolution": ("resolution", 480, [3]),
        "p1_response": ("response", 15, [1]),
        "p1_resolution": ("resolution", 240, [1]),
    }
    return {
        key: do_create_sla_definition(
            actor=None, name=key, kind=kind, target_minutes=minutes, priorities=priorities, **common
        )
        for key, (kind, minutes, priorities) in specs.items()
    }


def freeze_sla_time(monkeypatch, when: str) -> dt.datetime:
    """Measure clocks as if it were `when` (London time)."""
    from kaizen.sla import clock_rows

    instant = london(when)
    monkeypatch.setattr(clock_rows, "current_time", lambda: instant)
    return instant
