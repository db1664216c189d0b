"""A live service with office hours agreed, its service level manager, and outage helpers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kaizen.availability.services import do_record_outage, do_set_availability_target
from kaizen.people.services import do_grant_process_role
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_service, make_user


@pytest.fixture
def slm(db):
    """Sam: the service level manager."""
    user = make_user("sam", first_name="Sam", last_name="Level")
    do_grant_process_role(user, process="service_level", role="manager", actor=None)
    return user


@pytest.fixture
def calendar(db):
    return office_calendar()


@pytest.fixture
def mail(db, calendar):
    service = make_service("Mail", slug="mail")
    do_set_availability_target(
        service,
        actor=None,
        valid_from=dt.date(2020, 1, 1),
        target_percent=Decimal("99.5"),
        calendar=calendar,
    )
    return service


def record(service, *, hours_ago: float = 30, hours: float | None = 2, confirmed=True, **fields):
    """An outage of `service` that started `hours_ago` and lasted `hours` (None: going on)."""
    now = timezone.now()
    start = now - dt.timedelta(hours=hours_ago)
    fields.setdefault("title", f"{service.name} down")
    fields.setdefault("kind", "unplanned")
    return do_record_outage(
        actor=None,
        service=service,
        started_at=start,
        ended_at=None if hours is None else start + dt.timedelta(hours=hours),
        confirmed=confirmed,
        **fields,
    )
