"""Change test data on top of the shared personas in kaizen/conftest.py (Chen is the change
manager)."""

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, UserKind
from kaizen.testing import make_user


@pytest.fixture
def cab_member(db):
    """Cleo: a CAB member who is not an agent (a business representative)."""
    user = make_user("cleo", kind=UserKind.REQUESTER, first_name="Cleo", last_name="Cab")
    people_services.do_grant_process_role(user, Process.CHANGE, Role.CAB_MEMBER, actor=None)
    return user


@pytest.fixture
def other_requester(db):
    return make_user("rob", kind=UserKind.REQUESTER, first_name="Rob", last_name="Other")
