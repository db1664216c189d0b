"""Change test data on top of the shared personas in kaizen/conftest.py (Chen is the change
manager)."""

import pytest

from kaizen.people.models import UserKind
from kaizen.testing import make_user


@pytest.fixture
def other_requester(db):
    return make_user("rob", kind=UserKind.REQUESTER, first_name="Rob", last_name="Other")
