"""Service level test data on top of the shared personas in kaizen/conftest.py."""

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.sla.tests.config_helpers import make_calendar, make_definition
from kaizen.testing import make_offering, make_service, make_user


@pytest.fixture
def sla_manager(db):
    """Sam: the service level manager, who maintains calendars and SLA definitions."""
    user = make_user("sam", first_name="Sam", last_name="Levels")
    people_services.do_grant_process_role(user, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def sla_owner(db):
    """Sol: owns the service level management process."""
    user = make_user("sol", first_name="Sol", last_name="Owner")
    people_services.do_grant_process_role(user, Process.SERVICE_LEVEL, Role.OWNER, actor=None)
    return user


@pytest.fixture
def sla_practitioner(db):
    """Pat: practises service level management, but does not lead it."""
    user = make_user("pat", first_name="Pat", last_name="Practitioner")
    people_services.do_grant_process_role(
        user, Process.SERVICE_LEVEL, Role.PRACTITIONER, actor=None
    )
    return user


@pytest.fixture
def office(db):
    """UK office hours: Mon-Fri 09:00-17:00 Europe/London, English bank holidays, and
    Christmas Eve closed."""
    return make_calendar()


@pytest.fixture
def email(db):
    service = make_service("Email", slug="email")
    make_offering(service, "Mailbox access")
    return service


@pytest.fixture
def definition(office, email):
    """Resolution in 8 business hours for P1-2 incidents of Email."""
    return make_definition(office, service=email)
