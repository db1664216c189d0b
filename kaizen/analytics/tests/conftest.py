"""Analytics test data: an office calendar and a team of two agents.

Each test has its own empty store (the autouse `analytics_store` fixture in kaizen/conftest.py).
"""

import datetime as dt

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.sla.services import do_create_calendar
from kaizen.testing import make_team, make_user


@pytest.fixture
def office(db):
    """Mon-Fri 09:00-17:00 Europe/London, no public holidays."""
    return do_create_calendar(
        actor=None,
        name="Office",
        slug="office",
        time_zone="Europe/London",
        periods=[(day, dt.time(9), dt.time(17)) for day in range(5)],
    )


@pytest.fixture
def bob(db):
    """Bob: a second agent, on the same team as Alan."""
    user = make_user("bob", first_name="Bob", last_name="Builder")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.PRACTITIONER, actor=None)
    return user


@pytest.fixture
def desk(agent, bob):
    """The service desk team: Alan and Bob."""
    return make_team("Service desk", members=[agent, bob])
