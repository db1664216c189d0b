"""People-specific fixtures on top of the shared personas in kaizen/conftest.py."""

import pytest

from kaizen.testing import make_team, make_user


@pytest.fixture
def manager(db):
    """Mo: an agent who manages the service desk team."""
    return make_user("mo", first_name="Mo", last_name="Manager")


@pytest.fixture
def team(manager, agent):
    """The service desk: managed by Mo, with Alan as a member."""
    return make_team("Service Desk", slug="service-desk", manager=manager, members=[agent])
