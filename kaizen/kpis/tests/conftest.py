"""KPI test data on top of the shared personas in kaizen/conftest.py."""

import pytest

from kaizen.kpis.tests.helpers import EXTERNAL_AVAILABILITY, INCIDENT_VOLUME, UNMEASURABLE
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import make_user


@pytest.fixture
def improvement_manager(db):
    """Ivy: manages continual improvement, so she defines KPIs and collects measurements."""
    user = make_user("ivy", first_name="Ivy", last_name="Improver")
    people_services.do_grant_process_role(user, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def sla_manager(db):
    """Sam: the service level manager, who may push external data (availability) but not
    define KPIs."""
    user = make_user("sam", first_name="Sam", last_name="Levels")
    people_services.do_grant_process_role(user, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def small_library(monkeypatch):
    """A library of three KPIs the tests control (the real one grows on its own): incidents
    opened (engine), availability (external data points) and one not measurable yet."""
    from kaizen.kpis import library

    shipped = [INCIDENT_VOLUME, EXTERNAL_AVAILABILITY, UNMEASURABLE]
    by_key = {definition.key: definition for definition in shipped}

    def get_kpi(key):
        if key not in by_key:
            raise KeyError(key)
        return by_key[key]

    monkeypatch.setattr(library, "library", lambda: list(shipped))
    monkeypatch.setattr(library, "get_kpi", get_kpi)
    return shipped
