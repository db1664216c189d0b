import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import make_user


@pytest.fixture
def survey_lead(db):
    """Sam: service level manager, who configures surveys and sees every result."""
    user = make_user("sam", first_name="Sam", last_name="Level")
    people_services.do_grant_process_role(user, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def csi_manager(db):
    user = make_user("cleo", first_name="Cleo", last_name="Improvement")
    people_services.do_grant_process_role(user, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    return user
