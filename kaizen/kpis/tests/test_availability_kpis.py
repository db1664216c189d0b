"""The availability KPIs measured from outages and targets, equal to a hand computation: two
services on office hours (Mon-Fri 09:00-17:00 London, GMT in March), one month, pooled and by
service; a service without a target and a proposed outage do not count."""

import datetime as dt
from decimal import Decimal

import pytest

from kaizen.analytics.sync import sync
from kaizen.availability import services
from kaizen.availability.models import OutageKind
from kaizen.catalog.models import Service
from kaizen.kpis import engine, library
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def outages(settings):
    settings.TIME_ZONE = "UTC"
    office = office_calendar()
    mail, web, wiki = make_service("Mail"), make_service("Web"), make_service("Wiki")
    for service in (mail, web):
        services.do_set_availability_target(
            service,
            actor=None,
            valid_from=dt.date(2026, 1, 1),
            target_percent=Decimal("99"),
            calendar=office,
        )

    def outage(service, start, end, **fields):
        fields.setdefault("kind", OutageKind.UNPLANNED)
        return services.do_record_outage(
            actor=None,
            service=service,
            started_at=utc(start),
            ended_at=utc(end),
            title="Down",
            **fields,
        )

    # Mail: Tue 3 March 10-12 and Wed 11 March 16:00 - Thu 10:00 (1 h + 1 h): 4 h, 2 breaks.
    outage(mail, "2026-03-03 10:00", "2026-03-03 12:00")
    outage(mail, "2026-03-11 16:00", "2026-03-12 10:00")
    # Web: degraded for half its users on Fri 6 March 9-13: 2 h, no break.
    outage(web, "2026-03-06 09:00", "2026-03-06 13:00", kind=OutageKind.DEGRADED, share_affected=50)
    # Wiki has no target: its outage is not part of the figures; a proposal does not count.
    outage(wiki, "2026-03-04 10:00", "2026-03-04 17:00")
    services.do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:x:1",
        service=mail,
        started_at=utc("2026-03-20 10:00"),
        ended_at=utc("2026-03-20 15:00"),
        title="Maybe",
    )


def month_of(key: str, by: tuple[str, ...] = ()) -> list[dict]:
    result = engine.compute(library.get_kpi(key), period="month", by=by, start=MARCH, end=APRIL)
    return result.rows


def test_the_availability_kpis_equal_a_hand_computation(outages):
    # March 2026 has 22 weekdays: 176 office hours per service, 352 for both.
    (pooled,) = month_of("availability.service_availability_pct")
    assert pooled["period"] == "2026-03-01" and pooled["n"] == 2
    assert pooled["value"] == pytest.approx(100 * (352 - 6) / 352)
    (downtime,) = month_of("availability.outage_hours")
    assert downtime["value"] == pytest.approx(6)
    # Breaks: Mail's two (4 h lost); Web's degraded day is not one.
    (mtrs,) = month_of("availability.mtrs_hours")
    assert mtrs["value"] == pytest.approx(2)
    (mtbf,) = month_of("availability.mtbf_hours")
    assert mtbf["value"] == pytest.approx((352 - 4) / 2)
    by_service = {
        row["service"]: row["value"]
        for row in month_of("availability.service_availability_pct", ("service",))
    }
    assert by_service == {
        "Mail": pytest.approx(100 * (176 - 4) / 176),
        "Web": pytest.approx(100 * (176 - 2) / 176),
    }
    by_team = month_of("availability.service_availability_pct", ("team",))
    assert by_team == []
    web_mtrs = {
        row["service"]: row["value"] for row in month_of("availability.mtrs_hours", ("service",))
    }
    assert web_mtrs["Web"] is None  # no break in the month: no mean time to restore


def test_the_availability_kpis_are_measurable_now():
    for key in (
        "availability.service_availability_pct",
        "availability.outage_hours",
        "availability.mtbf_hours",
        "availability.mtrs_hours",
    ):
        assert library.get_kpi(key).measurable


def test_confirmed_outages_are_counted_from_the_store_by_when_they_started(outages):
    # March: Mail's two, Web's degraded day and Wiki's (no target: a count of outages takes
    # every service); the proposal does not count, nor does a dismissed one. April: one.
    sam = make_user("sam")
    dismissed = services.do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:x:2",
        service=make_service("Chat"),
        started_at=utc("2026-03-21 10:00"),
        ended_at=utc("2026-03-21 11:00"),
        title="Maybe not",
    ).outage
    services.do_dismiss_outage(dismissed, actor=sam, reason="A probe fault", expected_version=None)
    services.do_record_outage(
        actor=None,
        service=Service.objects.get(name="Web"),
        kind=OutageKind.PLANNED,
        started_at=utc("2026-04-02 20:00"),
        ended_at=utc("2026-04-02 22:00"),
        title="Upgrade",
    )
    sync()
    definition = library.get_kpi("availability.outages_confirmed")
    result = engine.compute(definition, period="month", start=MARCH, end=dt.date(2026, 5, 1))
    assert [(row["period"], row["value"], row["n"]) for row in result.rows] == [
        ("2026-03-01", 4, 4),
        ("2026-04-01", 1, 1),
    ]
    by_service = engine.compute(definition, period="month", by=("service",), start=MARCH, end=APRIL)
    assert {row["service"]: row["value"] for row in by_service.rows} == {
        "Mail": 2,
        "Web": 1,
        "Wiki": 1,
    }
