"""The request KPIs of the library on a hand-made story of six requests, submitted and worked
through the request services, synced into the analytics store and measured by month; every
figure worked out by hand below.

Office hours Mon-Fri 09:00-17:00 UTC. Laptops need their manager's approval and are delivered
within 16 office hours of submission (the delivery clock does not pause for the approval);
headsets need no approval and one task, the stores' OLA being 2 office hours.

| req | type    | opened     | approval decided | fulfilled   | wall h | office h | SLA      |
|-----|---------|------------|------------------|-------------|--------|----------|----------|
| R1  | laptop  | Mon 2/3 09 | approved 2/3 13  | Tue 3/3 09  | 24     | 8        | met      |
| R2  | laptop  | Mon 2/3 09 | approved 3/3 09  | Fri 6/3 09  | 96     | 32       | breached |
| R3  | laptop  | Mon 30/3 09| approved 30/3 11 | Wed 1/4 10  | 49     | 17       | breached |
| R4  | laptop  | Thu 2/4 09 | rejected 2/4 15  | -           |        |          |          |
| R5  | headset | Wed 1/4 09 | -                | Wed 1/4 12  | 3      |          | none     |
| R6  | headset | Thu 5/3 09 | -                | Thu 5/3 10  | 1      |          | none     |

Approval hours: R1 4, R2 24, R3 2 (March), R4 6 (April). The headsets' tasks: R6's done in
1 office hour (met), R5's in 3 (breached).
"""

import datetime as dt

import pytest

from kaizen.analytics.sync import sync
from kaizen.analytics.tests.test_request_facts import approve, finish_task
from kaizen.kpis import engine, library
from kaizen.people.models import UserKind
from kaizen.requests.models import StepState
from kaizen.requests.services.lifecycle import conclude_approval, do_fulfil_request
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.sla.services import do_create_calendar, do_create_sla_definition
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
MARCH, APRIL = "2026-03-01", "2026-04-01"


def at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


EXPECTED = {
    "request.fulfilled": {MARCH: (3, 3), APRIL: (2, 2)},  # R1, R2, R6 | R3, R5
    "request.fulfilment_hours_median": {MARCH: (24, 3), APRIL: (26, 2)},  # 1,24,96 | 3,49
    "request.sla_met_pct": {MARCH: (50, 2), APRIL: (0, 1)},  # R1 met, R2 not | R3 not
    "request.approval_hours_median": {MARCH: (4, 3), APRIL: (6, 1)},  # 2,4,24 | 6
    "request.task_ola_met_pct": {MARCH: (100, 1), APRIL: (0, 1)},  # R6 | R5
}


@pytest.fixture
def story(settings):
    settings.TIME_ZONE = "UTC"
    office = do_create_calendar(
        actor=None,
        name="Office UTC",
        slug="office-utc",
        time_zone="UTC",
        periods=[(day, dt.time(9), dt.time(17)) for day in range(5)],
    )
    boss = make_user("boss")
    requester = make_user("rita", kind=UserKind.REQUESTER, manager=boss)
    stores = make_team("Stores")
    laptop = make_request_type(
        name="New laptop",
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
    )
    headset = make_request_type(
        name="Headset", tasks=[{"title": "Hand it over", "team": stores.pk}]
    )
    do_create_sla_definition(
        actor=None,
        name="Laptops within two days",
        ticket_kind="request",
        kind="resolution",
        target_minutes=16 * 60,
        calendar=office,
        conditions={"request_type": [laptop.pk]},
    )
    do_create_sla_definition(
        actor=None,
        name="Stores within 2 hours",
        ticket_kind="request_task",
        kind="resolution",
        target_minutes=2 * 60,
        calendar=office,
    )
    agent = make_user("alan")
    for opened, decided, fulfilled in (
        (at(3, 2, 9), at(3, 2, 13), at(3, 3, 9)),
        (at(3, 2, 9), at(3, 3, 9), at(3, 6, 9)),
        (at(3, 30, 9), at(3, 30, 11), at(4, 1, 10)),
    ):
        request = make_request(laptop, requester, at=opened)
        approve(request, boss, decided)
        do_fulfil_request(request, actor=agent, at=fulfilled)
    rejected = make_request(laptop, requester, at=at(4, 2, 9))
    rejected.approvals.update(state=StepState.REJECTED, decided_at=at(4, 2, 15))
    conclude_approval(rejected, approved=False, actor=boss, at=at(4, 2, 15), reason="no budget")
    for opened, done in ((at(4, 1, 9), at(4, 1, 12)), (at(3, 5, 9), at(3, 5, 10))):
        request = make_request(headset, requester, at=opened)
        finish_task(request.tasks.get(), opened, done)
    sync()


def test_every_request_kpi_of_the_library_is_under_test():
    measured = {
        definition.key
        for definition in library.library()
        if definition.process == "request" and definition.measure is not None
    }
    assert measured == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_it_measures_each_request_kpi(story, key):
    result = engine.compute(library.get_kpi(key), period="month")
    got = {row["period"]: (row["value"], row["n"]) for row in result.rows}
    assert got.keys() == EXPECTED[key].keys()
    for period, (value, n) in EXPECTED[key].items():
        assert got[period][1] == n, period
        assert got[period][0] == pytest.approx(value), period


def test_delivery_within_sla_breaks_down_by_request_type(story):
    rows = engine.compute(
        library.get_kpi("request.sla_met_pct"), period="month", by=["request_type"]
    ).rows
    measured = {(row["period"], row["request_type"]): row["value"] for row in rows if row["n"]}
    assert measured == {(MARCH, "New laptop"): 50.0, (APRIL, "New laptop"): 0.0}
