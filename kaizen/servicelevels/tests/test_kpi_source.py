"""The KPI "services meeting their service level targets" against a hand computation, and a
report's availability equal to the availability KPI when the agreement agrees what the
service's own target does.

Mail and Web are covered by SLA00001 (office hours Mon-Fri 09:00-17:00 London, GMT in the
autumn = UTC here; 99.5 % availability; 95 % of P1 incidents resolved in time); Wiki only by a
draft agreement, which counts for nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from kaizen.availability.models import OutageKind
from kaizen.availability.services import do_record_outage, do_set_availability_target
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident
from kaizen.kpis import engine, library
from kaizen.servicelevels.figures import report_figures
from kaizen.servicelevels.kpi_source import SERVICES_MEETING_TARGETS_PCT, register_kpi_source
from kaizen.servicelevels.services import do_add_terms, do_create_agreement
from kaizen.sla.models import SLAClock
from kaizen.testing import make_service

SEP, DEC = dt.date(2026, 9, 1), dt.date(2026, 12, 1)
H = 3600 * 10**6


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def source(settings):
    settings.TIME_ZONE = "UTC"
    register_kpi_source()  # what ServiceLevelsConfig.ready() does


def outage(service, start: str, end: str):
    return do_record_outage(
        actor=None,
        service=service,
        kind=OutageKind.UNPLANNED,
        started_at=utc(start),
        ended_at=utc(end),
        title=f"{service.name} down",
        confirmed=True,
    )


def breached_clock(service, definition, when: str) -> None:
    incident = make_incident(service=service, impact=1, urgency=1, at=utc(when))
    SLAClock.objects.filter(ticket_id=incident.pk).delete()
    SLAClock.objects.create(
        ticket_type=ContentType.objects.get_for_model(Incident),
        ticket_id=incident.pk,
        sequence=1,
        definition=definition,
        kind=definition.kind,
        state="breached",
        target_us=8 * H,
        elapsed_us=9 * H,
        computed_at=utc(when),
        started_at=utc(when),
        stopped_at=utc(when) + dt.timedelta(days=2),
        breached=True,
    )


def test_the_share_of_services_meeting_every_target(mail_sla, mail, slm, calendar, resolution_p1):
    web, wiki = make_service("Web", slug="web"), make_service("Wiki", slug="wiki")
    do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 9, 1),
        note="Web too",
        services=[mail, web],
        at=utc("2026-08-20 09:00"),
    )
    do_create_agreement(
        actor=slm,
        kind="sla",
        name="Wiki draft",
        owner=slm,
        customer=mail_sla.customer,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[wiki],
        availability_percent="99.9",
    )
    # September: a P1 incident on Web breached its resolution target (1 of 1: 0 % < 95 %).
    breached_clock(web, resolution_p1, "2026-09-07 10:00")
    # October: nothing missed. November: Mail down 2 h on a Tuesday (> 0.84 h allowed).
    outage(mail, "2026-11-03 10:00", "2026-11-03 12:00")
    outage(wiki, "2026-11-03 10:00", "2026-11-03 17:00")  # a draft's service: not counted

    definition = library.get_kpi(SERVICES_MEETING_TARGETS_PCT)
    assert definition.measurable
    rows = engine.compute(definition, period="month", start=SEP, end=DEC).rows
    assert [(row["period"], row["value"], row["n"]) for row in rows] == [
        ("2026-09-01", 50.0, 2),
        ("2026-10-01", 100.0, 2),
        ("2026-11-01", 50.0, 2),
    ]
    by_service = engine.compute(
        definition, period="month", by=("service",), start=dt.date(2026, 11, 1), end=DEC
    ).rows
    assert {row["service"]: row["value"] for row in by_service} == {"Mail": 0.0, "Web": 100.0}


def test_the_reports_availability_equals_the_availability_kpi(mail_sla, mail, calendar):
    # The service's own target: the agreement's hours and percentage.
    do_set_availability_target(
        mail,
        actor=None,
        valid_from=dt.date(2026, 1, 1),
        target_percent=Decimal("99.5"),
        calendar=calendar,
    )
    outage(mail, "2026-11-03 10:00", "2026-11-03 12:00")
    outage(mail, "2026-11-03 11:00", "2026-11-03 13:00")
    outage(mail, "2026-11-04 16:30", "2026-11-05 09:45")
    (kpi,) = engine.compute(
        library.get_kpi("availability.service_availability_pct"),
        period="month",
        by=("service",),
        start=dt.date(2026, 11, 1),
        end=DEC,
    ).rows
    (figures,) = report_figures(mail_sla, dt.date(2026, 11, 1), dt.date(2026, 11, 30)).services
    # 168 h agreed, 3 h + 30 min + 45 min down.
    assert figures.figure.availability_percent == pytest.approx(100 * (168 - 4.25) / 168)
    assert kpi["value"] == figures.figure.availability_percent
