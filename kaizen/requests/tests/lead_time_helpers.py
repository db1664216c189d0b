"""A delivery target on office hours and an approved laptop request, for the lead-time and
request-clock tests."""

from typing import Any

from kaizen.people.models import User, UserKind
from kaizen.requests.models import RequestType
from kaizen.requests.tests.factories import make_request_type
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_team, make_user

H = 3600 * 1_000_000  # an hour in µs
MIN = 60 * 1_000_000


def definition(
    calendar: BusinessCalendar,
    *,
    ticket_kind: str = "request",
    kind: str = "resolution",
    minutes: int = 3 * 8 * 60,
    pause_reasons: list[str] | None = None,
    **fields: Any,
) -> SLADefinition:
    return do_create_sla_definition(
        actor=None,
        name=fields.pop("name", f"{ticket_kind} {kind} {minutes}"),
        ticket_kind=ticket_kind,
        kind=kind,
        target_minutes=minutes,
        calendar=calendar,
        pause_reasons=pause_reasons if pause_reasons is not None else [],
        warning_thresholds=[],
        escalations=[],
        **fields,
    )


def laptop_type(
    *,
    delivery_target: SLADefinition | None,
    approver: User | None = None,
    desk_members: list[User] | None = None,
) -> RequestType:
    """One approval step (the named approver) and one task for the desk."""
    approver = approver or make_user(kind=UserKind.AGENT)
    desk = make_team("Desk", members=desk_members or [make_user()])
    return make_request_type(
        steps=[{"name": "Manager", "approver_source": "people", "people": [approver.pk]}],
        tasks=[{"title": "Image it", "team": desk.pk}],
        delivery_target=delivery_target,
    )


__all__ = ["H", "MIN", "definition", "laptop_type", "office_calendar"]
