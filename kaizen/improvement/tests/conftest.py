"""Improvement register personas, on top of the shared ones in kaizen/conftest.py."""

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import make_user


@pytest.fixture
def csi_manager(db):
    """Iris: the continual improvement manager; she may work every initiative and goal."""
    user = make_user("iris", first_name="Iris", last_name="Improver")
    people_services.do_grant_process_role(user, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def process_owner(db):
    """Paul: owns the incident process; he raises initiatives and works those he owns."""
    user = make_user("paul", first_name="Paul", last_name="Owner")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.OWNER, actor=None)
    return user
