"""Known-error test data: a problem with a workaround, its known
error published, and incidents made through the incident services (tests may import any app)."""

import datetime as dt

import pytest

from kaizen.incidents.tests.helpers import make_incident
from kaizen.problems.models import KnownError
from kaizen.problems.services import known_errors
from kaizen.problems.services.records import do_raise_problem
from kaizen.testing import make_ci, make_service

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def vpn(db):
    return make_service("VPN")


@pytest.fixture
def gateway(db):
    return make_ci("vpn-gw-01")


@pytest.fixture
def problem(db, vpn, gateway, problem_manager):
    problem = do_raise_problem(
        actor=problem_manager,
        at=T0,
        statement="VPN drops after 10 minutes",
        description="Remote users lose the VPN tunnel with a timeout after about ten minutes.",
        workaround="Reconnect with the 'Legacy' profile, which keeps the tunnel alive.",
        category="Network",
        services=[vpn],
        configuration_items=[gateway],
    )
    return problem


def publish(known_error: KnownError, actor, **options) -> KnownError:
    return known_errors.do_publish_known_error(known_error, actor=actor, at=T0 + HOUR, **options)


@pytest.fixture
def known_error(problem, problem_manager):
    recorded = known_errors.do_record_known_error(problem, actor=problem_manager, at=T0)
    return publish(recorded, problem_manager)


def incident(**fields):
    fields.setdefault("at", T0 + 2 * HOUR)
    return make_incident(**fields)


def make_known_error(
    title: str,
    symptom: str,
    *,
    services=(),
    configuration_items=(),
    category: str = "",
    published: bool = True,
    actor=None,
) -> KnownError:
    """A known error of a problem of its own, with a workaround, published unless said."""
    problem = do_raise_problem(
        actor=actor,
        at=T0,
        statement=title,
        description=symptom,
        workaround=f"Workaround for {title.lower()}.",
        category=category,
        services=services,
        configuration_items=configuration_items,
    )
    recorded = known_errors.do_record_known_error(problem, actor=actor, at=T0)
    return publish(recorded, actor) if published else recorded
