"""A customer, a supplier, services on office hours, SLA definitions, the service level
manager, and an agreement of each kind."""

import datetime as dt

import pytest

from kaizen.people.services import do_grant_process_role
from kaizen.servicelevels.services import (
    do_create_agreement,
    do_create_customer,
    do_create_supplier,
)
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_service, make_team, make_user


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
def mail(db):
    return make_service("Mail", slug="mail")


@pytest.fixture
def finance(db):
    return do_create_customer(actor=None, name="Finance", kind="department")


@pytest.fixture
def acme(db):
    return do_create_supplier(actor=None, name="Acme Networks", contact_email="noc@acme.test")


@pytest.fixture
def network_team(db):
    return make_team("Network")


@pytest.fixture
def resolution_p1(db, calendar):
    return do_create_sla_definition(
        actor=None,
        name="P1 resolution",
        kind="resolution",
        calendar=calendar,
        target_minutes=8 * 60,
        priorities=[1],
    )


@pytest.fixture
def mail_sla(db, slm, finance, mail, calendar, resolution_p1):
    return do_create_agreement(
        actor=slm,
        kind="sla",
        name="Mail for Finance",
        owner=slm,
        customer=finance,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        status="active",
        review_cadence=3,
        availability_percent="99.5",
        targets=[
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": resolution_p1.pk,
                "attainment_percent": 95,
            }
        ],
    )
