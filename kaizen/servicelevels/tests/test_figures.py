"""The service level report's figures against hand computations.

November 2026 in London is GMT (= UTC, the site's zone here). Office hours Mon-Fri 09:00-17:00:
November has 21 weekdays (2-6, 9-13, 16-20, 23-27, 30), 168 agreed hours; the agreement
(SLA00001, "Mail for Finance") asks 99.5 % availability and 95 % of P1 incidents resolved
within the "P1 resolution" definition.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.contenttypes.models import ContentType

from kaizen.availability.models import OutageKind
from kaizen.availability.services import do_record_outage, do_set_availability_target
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident
from kaizen.servicelevels.figures import Period, earlier_periods, report_figures
from kaizen.servicelevels.services import do_add_terms
from kaizen.sla.models import SLAClock
from kaizen.sla.services import do_create_calendar
from kaizen.testing import make_service

H = 3600 * 10**6
NOV_1, NOV_30 = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
AFTER = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)  # "now": the period is over


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def outage(service, start: str, end: str, **fields):
    fields.setdefault("kind", OutageKind.UNPLANNED)
    fields.setdefault("title", f"{service.name} down from {start}")
    return do_record_outage(
        actor=None,
        service=service,
        started_at=utc(start),
        ended_at=utc(end),
        confirmed=True,
        **fields,
    )


def test_availability_on_the_agreed_hours_with_overlaps_hours_and_a_maintenance_window(
    mail_sla, mail, change_manager
):
    from kaizen.changes.services.calendar import do_create_window

    do_create_window(
        actor=change_manager,
        kind="maintenance",
        name="Wednesday lunch",
        recurrence="weekly",
        weekday=2,
        start_time=dt.time(12),
        end_time=dt.time(14),
        time_zone="UTC",
        services=[mail],
    )
    first = outage(mail, "2026-11-03 10:00", "2026-11-03 12:00")  # Tue: 2 h
    second = outage(mail, "2026-11-03 11:00", "2026-11-03 13:00")  # overlaps: 1 h more
    evening = outage(mail, "2026-11-04 16:00", "2026-11-05 10:00")  # Wed 16-17, Thu 9-10: 2 h
    outage(mail, "2026-11-11 12:30", "2026-11-11 13:30", kind=OutageKind.PLANNED)  # in window
    outage(mail, "2026-10-28 10:00", "2026-10-28 11:00")  # October: the trend's

    report = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)

    (figures,) = report.services
    figure = figures.figure
    assert figure.agreed_us == 168 * H
    assert figure.downtime_us == 5 * H  # 10-13 once, 16-17, 9-10
    assert figures.figure.availability == Fraction(163, 168)
    assert figure.target_percent == pytest.approx(99.5)
    assert figure.allowed_downtime_us == Fraction(168 * H) * Fraction(5, 1000)  # 50.4 min
    assert figures.verdict == "not_met"
    assert figure.budget_left_us == Fraction(168 * H) * Fraction(5, 1000) - 5 * H
    # Two breaks: the overlapping pair is one; the planned work inside the window is none.
    assert figure.breaks == 2
    assert figure.mtrs_us == Fraction(5 * H, 2)
    assert figure.mtbf_us == Fraction(163 * H, 2)
    assert figures.outage_count == 3
    assert sorted(line.number for line in figures.outages) == sorted(
        [first.number, second.number, evening.number]
    )
    assert {line.downtime_us for line in figures.outages} == {2 * H}
    assert figures.outages[0].title.startswith("Mail down from")
    assert report.missed == ["Mail availability"]
    assert report.verdict == "missed"
    # The trend: August to October; October lost 1 h of its 22 weekdays x 8 h.
    assert [row.period.label for row in report.trend] == [
        "August 2026",
        "September 2026",
        "October 2026",
    ]
    october = report.trend[-1].service(mail.pk)
    assert october.figure.availability == Fraction(176 - 1, 176)
    assert october.verdict == "not_met"  # 1 h > 0.88 h allowed


def test_the_agreements_hours_and_target_apply_not_the_services_own(mail_sla, mail, calendar):
    always = do_create_calendar(
        actor=None,
        name="Always",
        slug="always",
        time_zone="Europe/London",
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
    )
    do_set_availability_target(
        mail,
        actor=None,
        valid_from=dt.date(2026, 1, 1),
        target_percent=Decimal("90"),
        calendar=always,
    )
    outage(mail, "2026-11-07 10:00", "2026-11-07 12:00")  # a Saturday: outside office hours
    (figures,) = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER).services
    assert figures.figure.downtime_us == 0 and figures.figure.agreed_us == 168 * H
    assert figures.verdict == "met"


def test_a_version_from_a_day_in_the_period_splits_it(mail_sla, mail, resolution_p1):
    always = do_create_calendar(
        actor=None,
        name="Always",
        slug="always",
        time_zone="Europe/London",
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
    )
    do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 11, 16),
        note="Round the clock at 99 %, 90 % of P1 resolved",
        calendar=always,
        availability_percent="99",
        targets=[
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": resolution_p1.pk,
                "attainment_percent": 90,
            }
        ],
        at=utc("2026-11-01 08:00"),
    )
    outage(mail, "2026-11-03 10:00", "2026-11-03 12:00")  # Tue, office hours: 2 h
    outage(mail, "2026-11-07 10:00", "2026-11-07 12:00")  # Sat under version 1: nothing
    outage(mail, "2026-11-21 10:00", "2026-11-21 12:00")  # Sat under version 2: 2 h

    report = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)

    assert [(part.sequence, part.first_day, part.last_day) for part in report.parts] == [
        (1, NOV_1, dt.date(2026, 11, 15)),
        (2, dt.date(2026, 11, 16), NOV_30),
    ]
    (figures,) = report.services
    figure = figures.figure
    # Version 1: 10 weekdays x 8 h = 80 h at 99.5 % (0.4 h allowed); version 2: 15 days x
    # 24 h = 360 h at 99 % (3.6 h allowed). 440 h agreed, 4 h allowed, 4 h down: met, exactly.
    assert figure.agreed_us == 440 * H
    assert figure.downtime_us == 4 * H
    assert figure.allowed_downtime_us == 4 * H
    assert figure.target_percent == pytest.approx(100 - 4 * 100 / 440)
    assert figure.budget_left_us == 0
    assert figures.verdict == "met"
    assert [(t.sequence, t.attainment_percent) for t in report.targets] == [
        (1, Decimal("95.00")),
        (2, Decimal("90.00")),
    ]


def clock(incident, definition, state: str, *, stopped: str | None, breach: str | None = None):
    return SLAClock.objects.create(
        ticket_type=ContentType.objects.get_for_model(Incident),
        ticket_id=incident.pk,
        sequence=SLAClock.objects.filter(ticket_id=incident.pk).count() + 1,
        definition=definition,
        kind=definition.kind,
        state=state,
        target_us=8 * H,
        elapsed_us=0,
        computed_at=AFTER,
        started_at=utc("2026-10-01 09:00"),
        stopped_at=utc(stopped) if stopped else None,
        breach_at=utc(breach) if breach else None,
        breached=state == "breached",
    )


def test_attainment_counts_the_clocks_that_ended_in_each_part(mail_sla, mail, resolution_p1):
    do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 11, 16),
        note="90 % of P1 resolved",
        targets=[
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": resolution_p1.pk,
                "attainment_percent": 90,
            }
        ],
        at=utc("2026-11-01 08:00"),
    )
    web = make_service("Web", slug="web")
    opened = utc("2026-11-02 09:00")
    p1 = [make_incident(service=mail, impact=1, urgency=1, at=opened) for _ in range(6)]
    p3 = make_incident(service=mail, impact=2, urgency=2, at=opened)
    elsewhere = make_incident(service=web, impact=1, urgency=1, at=opened)
    SLAClock.objects.all().delete()  # the clocks are set by hand below
    # Version 1 (1-15 Nov): one met, one breached: 50 % < 95 %, missed.
    clock(p1[0], resolution_p1, "met", stopped="2026-11-05 10:00")
    clock(p1[1], resolution_p1, "breached", stopped="2026-11-10 10:00")
    # Version 2 (16-30 Nov): one met, and one still running that breached on 20 Nov: 50 %.
    clock(p1[2], resolution_p1, "met", stopped="2026-11-18 10:00")
    clock(p1[3], resolution_p1, "breached", stopped=None, breach="2026-11-20 10:00")
    # Not counted: a running clock, one that ended in October, one that breached in October
    # (and stopped in November: the miss is October's), another priority, another service.
    clock(p1[4], resolution_p1, "running", stopped=None)
    clock(p1[4], resolution_p1, "breached", stopped="2026-11-02 10:00", breach="2026-10-30 16:00")
    clock(p1[5], resolution_p1, "met", stopped="2026-10-30 10:00")
    clock(p3, resolution_p1, "met", stopped="2026-11-05 10:00")
    clock(elsewhere, resolution_p1, "breached", stopped="2026-11-05 10:00")

    report = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)

    first, second = report.targets
    assert (first.sequence, first.met, first.total, first.verdict) == (1, 1, 2, "not_met")
    assert (second.sequence, second.met, second.total, second.verdict) == (2, 1, 2, "not_met")
    assert first.percent == 50.0
    assert report.missed == [
        "Resolution, priority 1 (version 1)",
        "Resolution, priority 1 (version 2)",
    ]
    # The October clocks are October's trend: one met, one breached.
    october = report.trend[-1].target("resolution", 1)
    assert (october.met, october.total, october.verdict) == (1, 2, "not_met")
    # The incidents listed carry their clocks' verdicts.
    by_number = {line.number: line for line in report.incidents}
    assert report.incidents_opened == 7 and report.incidents_resolved == 0  # not Web's
    assert [c.state for c in by_number[p1[3].number].clocks] == ["breached"]


def test_no_ticket_is_not_a_miss_and_every_target_met_is_the_verdict(mail_sla, mail, resolution_p1):
    incident = make_incident(service=mail, impact=1, urgency=1)
    SLAClock.objects.all().delete()
    clock(incident, resolution_p1, "met", stopped="2026-11-05 10:00")
    report = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)
    assert [t.verdict for t in report.targets] == ["met"]
    assert report.services[0].verdict == "met"
    assert report.verdict == "met" and report.missed == []
    september = report.trend[-2]
    assert september.targets[0].verdict == "no_tickets"


def test_the_trend_periods_have_the_periods_length():
    assert earlier_periods(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))) == [
        Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ]
    assert earlier_periods(Period(dt.date(2026, 3, 10), dt.date(2026, 3, 16)), 2) == [
        Period(dt.date(2026, 2, 24), dt.date(2026, 3, 2)),
        Period(dt.date(2026, 3, 3), dt.date(2026, 3, 9)),
    ]


def test_the_figures_read_a_fixed_number_of_queries(mail_sla, mail, resolution_p1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    outage(mail, "2026-11-03 10:00", "2026-11-03 12:00")
    report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)  # content types: cached from here on
    with CaptureQueriesContext(connection) as month:
        report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)
    with CaptureQueriesContext(connection) as year:
        report_figures(mail_sla, dt.date(2026, 1, 1), dt.date(2026, 11, 30), now=AFTER)
    assert len(year.captured_queries) == len(month.captured_queries)


def test_the_changes_and_problems_on_the_covered_services(mail_sla, mail, change_manager):
    from kaizen.changes.services.review import do_link_caused_incident
    from kaizen.changes.tests.factories import raise_change
    from kaizen.problems.tests.factories import raise_problem

    web = make_service("Web", slug="web")
    november = raise_change(
        change_manager,
        services_=[mail, web],
        at=utc("2026-11-02 09:00"),
        title="Upgrade the mail gateway",
        planned_start=utc("2026-11-10 10:00"),
        planned_end=utc("2026-11-10 12:00"),
    )
    raise_change(  # October's work
        change_manager,
        services_=[mail],
        at=utc("2026-10-01 09:00"),
        planned_start=utc("2026-10-10 10:00"),
        planned_end=utc("2026-10-10 12:00"),
    )
    raise_change(  # another service's
        change_manager,
        services_=[web],
        at=utc("2026-11-02 09:00"),
        planned_start=utc("2026-11-12 10:00"),
        planned_end=utc("2026-11-12 12:00"),
    )
    incident = make_incident(service=mail, at=utc("2026-11-10 12:30"))
    do_link_caused_incident(november, incident.number, actor=change_manager)
    open_problem = raise_problem(change_manager, services=[mail], at=utc("2026-10-01 09:00"))
    raise_problem(change_manager, services=[mail], at=utc("2026-12-02 09:00"))  # after
    raise_problem(change_manager, services=[web], at=utc("2026-10-01 09:00"))  # elsewhere

    report = report_figures(mail_sla, NOV_1, NOV_30, now=AFTER)

    (change,) = report.changes
    assert (change.number, change.title) == (november.number, "Upgrade the mail gateway")
    assert change.services == ["Mail", "Web"] and change.caused_incidents == [incident.number]
    assert change.started_at == utc("2026-11-10 10:00")
    assert [problem.number for problem in report.problems] == [open_problem.number]


def test_an_olas_target_in_minutes_is_listed_not_measured(slm, mail, calendar, network_team):
    from kaizen.servicelevels.services import do_create_agreement

    ola = do_create_agreement(
        actor=slm,
        kind="ola",
        name="Network support",
        owner=slm,
        provider_team=network_team,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        status="active",
        targets=[{"metric": "resolution", "priority": 1, "minutes": 240, "attainment_percent": 95}],
    )
    report = report_figures(ola, NOV_1, NOV_30, now=AFTER)
    (target,) = report.targets
    assert (target.verdict, target.total) == ("not_measured", 0)
    assert report.services[0].verdict == "not_judged"  # no availability target agreed
    assert report.verdict == "not_judged" and report.missed == []
