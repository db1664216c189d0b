"""The opportunity scan: each kind found on hand-built data (stored measurements for trends and
control signals, incident facts for SLA hot spots and recurring incidents), nothing on flat
data, re-scans that update instead of duplicating, dismissed opportunities that stay dismissed
until their evidence grows past 1.25x, and the journal of it all."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.analysis import stats
from kaizen.analysis.direction import Direction
from kaizen.improvement.models import Opportunity, OpportunityKind, OpportunityStatus
from kaizen.improvement.opportunity_detection import UNEXPLAINED, fingerprint
from kaizen.improvement.services.opportunities import REOPEN_FACTOR, do_scan_opportunities
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import Measurement, MeasurementSource
from kaizen.kpis.tests.helpers import insert_incident_facts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 15)  # a Friday: complete months end with April, weeks on 4 May
MEDIAN = "incident.resolution_hours_median"  # lower is better
SLA = "incident.sla_met_pct"  # higher is better, warning 90


def store(key, kind, starts, values):
    """Stored measurements, as the hourly collection would have written them (test data)."""
    for start, value in zip(starts, values, strict=True):
        Measurement.objects.create(
            kpi_key=key,
            period_kind=kind,
            period_start=start,
            value=value,
            n=40,
            computed_at=timezone.now(),
            source=MeasurementSource.ENGINE,
        )


def months(first: dt.date, count: int) -> list[dt.date]:
    found, month = [], first
    for _ in range(count):
        found.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return found


def weeks(last_monday: dt.date, count: int) -> list[dt.date]:
    return [last_monday - dt.timedelta(weeks=count - 1 - i) for i in range(count)]


SIXTEEN_MONTHS = months(dt.date(2025, 1, 1), 16)  # Jan 2025 .. Apr 2026
TWENTY_SIX_WEEKS = weeks(dt.date(2026, 5, 4), 26)  # ending with the last complete week


def rising(count, start=10.0, step=0.8):
    wobble = (0.3, -0.2, 0.1, -0.3, 0.2)
    return [start + step * i + wobble[i % len(wobble)] for i in range(count)]


def alternating(count, centre, spread=1.0):
    return [centre + (spread if i % 2 else -spread) for i in range(count)]


def events(event_type):
    return list(JournalEvent.objects.filter(event_type=event_type).order_by("id"))


def sla_facts(service, *, met, missed, day="2026-03-10", first_id=1, team="Service desk"):
    """Resolved incidents of `service` in March with `met` within SLA and `missed` not."""
    rows = []
    for number in range(met + missed):
        opened = dt.datetime.fromisoformat(f"{day}T08:00:00") + dt.timedelta(minutes=number)
        rows.append(
            {
                "incident_id": first_id + number,
                "number": f"INC{first_id + number:05d}",
                "opened_at": opened,
                "resolved_at": opened + dt.timedelta(hours=4),
                "sla_met": number < met,
                "sla_source": "kaizen",
                "service": service,
                "team": team,
                "category": f"category-{service}",
            }
        )
    return rows


def by_kind(kind):
    return list(Opportunity.objects.filter(kind=kind).order_by("pk"))


# -- each kind ------------------------------------------------------------------------------


def test_it_finds_an_adverse_monthly_trend_with_its_evidence():
    store(MEDIAN, "month", SIXTEEN_MONTHS, rising(16))

    result = do_scan_opportunities(today=TODAY)

    [found] = by_kind(OpportunityKind.ADVERSE_TREND)
    assert found.kpi_key == MEDIAN and found.status == OpportunityStatus.OPEN
    assert found.fingerprint == fingerprint("adverse_trend", MEDIAN, "", "")
    trend = stats.trend(rising(16), direction=Direction.LOWER_IS_BETTER)
    assert found.strength == pytest.approx(abs(trend["tau"]) * 16, abs=1e-3)
    assert found.evidence["trend"]["verdict"] == "worsening"
    assert [row["value"] for row in found.evidence["series"]] == pytest.approx(rising(16))
    assert found.evidence["range"] == {"start": "2025-01-01", "end": "2026-04-30"}
    assert found.evidence["figure"]["value"] == pytest.approx(rising(16)[-1])
    assert "rising" in found.summary and found.evidence["summary"] == found.summary
    assert [item["id"] for item in result.created] == [found.pk]


def test_it_ignores_a_trend_in_the_good_direction():
    store(MEDIAN, "month", SIXTEEN_MONTHS, rising(16)[::-1])  # falling: better
    do_scan_opportunities(today=TODAY)
    assert by_kind(OpportunityKind.ADVERSE_TREND) == []


def test_it_needs_twelve_complete_months_for_a_trend():
    # 11 complete months, and the current (incomplete) month left out even if stored
    store(MEDIAN, "month", months(dt.date(2025, 6, 1), 12), rising(12))
    do_scan_opportunities(today=TODAY)
    assert by_kind(OpportunityKind.ADVERSE_TREND) == []


def test_it_finds_an_adverse_control_chart_signal_in_the_last_weeks():
    values = alternating(24, 96.0) + [80.0, 79.0]  # SLA attainment collapses in the last two
    store(SLA, "week", TWENTY_SIX_WEEKS, values)

    do_scan_opportunities(today=TODAY)

    [found] = by_kind(OpportunityKind.CONTROL_SIGNAL)
    assert found.kpi_key == SLA
    chart = found.evidence["control_chart"]
    assert chart["limits_from"] == 18  # the limits are set on the weeks before the last 8
    assert chart["lcl"] > 80
    signals = found.evidence["signals"]
    assert signals and all(signal["adverse"] for signal in signals)
    assert {signal["rule"] for signal in signals} >= {1}
    assert found.strength >= 2  # both weeks beyond the lower limit, at least
    assert found.evidence["range"] == {"start": "2025-11-10", "end": "2026-05-10"}
    assert "2026-05-04" in found.summary


def test_it_finds_sla_hot_spots_ranked_by_breaches():
    insert_incident_facts(
        *sla_facts("Email", met=18, missed=12, first_id=1, team="Mail team"),  # 60 %, 30
        *sla_facts("VPN", met=40, missed=0, first_id=100, team="Network"),  # on target
        *sla_facts("Print", met=2, missed=8, first_id=200, team="Print team"),  # only 10
        *sla_facts("Old", met=0, missed=30, day="2026-01-20", first_id=300, team="Old"),  # before
    )

    do_scan_opportunities(today=TODAY)

    spots = {(o.dimension, o.dimension_value): o for o in by_kind(OpportunityKind.SLA_HOTSPOT)}
    assert set(spots) == {
        ("service", "Email"),
        ("team", "Mail team"),
        ("category", "category-Email"),
    }
    email = spots[("service", "Email")]
    assert email.strength == pytest.approx(12)  # 30 x (100 - 60) / 100
    assert email.evidence["figure"]["value"] == pytest.approx(60)
    assert email.evidence["figure"]["n"] == 30
    assert email.evidence["range"] == {"start": "2026-02-01", "end": "2026-04-30"}
    breakdown = {row["value"]: row for row in email.evidence["breakdown"]}
    assert set(breakdown) == {"Email", "VPN", "Print"}  # the Old service is out of the window
    assert [row["period"] for row in email.evidence["series"]] == [
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]
    assert "60 %" in email.summary and "12 breaches" in email.summary


def test_it_keeps_the_five_worst_hot_spots_per_dimension():
    rows = []
    for index in range(7):  # 7 services, each 20 incidents and (index + 3) breaches
        rows += sla_facts(f"S{index}", met=17 - index, missed=index + 3, first_id=1 + 100 * index)
    insert_incident_facts(*rows)

    do_scan_opportunities(today=TODAY)

    services = [
        o.dimension_value
        for o in Opportunity.objects.filter(kind="sla_hotspot", dimension="service").order_by(
            "-strength"
        )
    ]
    # S0 (85 %) and S1 (80 %)... all below 90 %; the five with most breaches stay
    assert services == ["S6", "S5", "S4", "S3", "S2"]


def test_it_finds_recurring_incidents_and_says_only_unexplained_ones_count():
    def incident(number, ci, day, subcategory="mailbox"):
        return {
            "incident_id": number,
            "number": f"INC{number:05d}",
            "opened_at": dt.datetime.fromisoformat(f"{day}T09:00:00"),
            "ci": ci,
            "category": "email",
            "subcategory": subcategory,
        }

    insert_incident_facts(
        *(incident(n, "db-01", f"2026-04-{n:02d}", "mailbox") for n in range(1, 7)),  # 6
        *(incident(n, "web-01", f"2026-04-{n - 10:02d}", "login") for n in range(11, 15)),  # 4
        *(incident(n, "db-02", f"2026-01-{n - 20:02d}", "quota") for n in range(21, 29)),  # old
    )

    result = do_scan_opportunities(today=TODAY)

    found = {(o.dimension, o.dimension_value): o for o in by_kind("recurring_incidents")}
    assert set(found) == {("ci", "db-01"), ("category,subcategory", "email / mailbox")}
    assert found[("ci", "db-01")].title == "Recurring incidents: 6 on configuration item db-01"
    assert found[("category,subcategory", "email / mailbox")].title == (
        "Recurring incidents: 6 on email › mailbox"
    )
    ci = found[("ci", "db-01")]
    assert ci.strength == 6 and ci.kpi_key == "incident.opened"
    assert UNEXPLAINED in ci.summary and ci.summary.startswith("6 incidents")
    assert "that no problem record explains" in ci.summary
    assert sum(row["n"] for row in ci.evidence["series"]) == 6
    assert ci.evidence["range"] == {"start": "2026-02-14", "end": "2026-05-15"}
    assert result.notes["recurring_incidents"] == UNEXPLAINED


def test_incidents_linked_to_a_problem_do_not_count_as_recurring():
    from kaizen.problems.models import LinkedIncident
    from kaizen.problems.services.records import do_raise_problem

    insert_incident_facts(
        *(
            {
                "incident_id": n,
                "number": f"INC{n:05d}",
                "opened_at": dt.datetime(2026, 4, n, 9),
                "ci": "db-01",
                "service": "Email" if n < 7 else "Chat",
            }
            for n in range(1, 9)
        )
    )
    problem = do_raise_problem(actor=None, statement="db-01 runs out of connections")
    for n in (1, 2):  # linked without the incident records: only the numbers matter here
        LinkedIncident.objects.create(
            problem=problem, incident_number=f"INC{n:05d}", linked_at=dt.datetime.now(dt.UTC)
        )

    do_scan_opportunities(today=TODAY)

    (found,) = by_kind("recurring_incidents")
    assert found.title == "Recurring incidents: 6 on configuration item db-01"  # 8 - 2 linked
    assert sum(row["n"] for row in found.evidence["series"]) == 6
    assert found.evidence["breakdown"] == [
        {"value": "Email", "count": 4},
        {"value": "Chat", "count": 2},
    ]
    LinkedIncident.objects.create(
        problem=problem, incident_number="INC00003", linked_at=dt.datetime.now(dt.UTC)
    )
    LinkedIncident.objects.create(
        problem=problem, incident_number="INC00004", linked_at=dt.datetime.now(dt.UTC)
    )
    from kaizen.improvement.opportunity_detection import recurring_incidents

    assert recurring_incidents(TODAY) == []  # 4 left: below the 5 that make a group


def test_it_names_a_subcategory_once_in_the_title():
    # incident facts hold a subcategory under its parent: "Software › Application error"
    insert_incident_facts(
        *(
            {
                "incident_id": n,
                "number": f"INC{n:05d}",
                "opened_at": dt.datetime(2026, 4, n, 9),
                "category": "Software",
                "subcategory": "Software › Application error",
            }
            for n in range(1, 8)
        ),
        *(
            {
                "incident_id": n,
                "number": f"INC{n:05d}",
                "opened_at": dt.datetime(2026, 4, n - 10, 9),
                "category": "Hardware",
                "subcategory": "Printer",  # a subcategory recorded without its parent
            }
            for n in range(11, 16)
        ),
    )

    do_scan_opportunities(today=TODAY)

    titles = sorted(o.title for o in by_kind("recurring_incidents"))
    assert titles == [
        "Recurring incidents: 5 on Hardware › Printer",
        "Recurring incidents: 7 on Software › Application error",
    ]
    software = Opportunity.objects.get(title__contains="Software")
    assert software.summary.startswith("7 incidents were opened on Software › Application error ")
    # the identity across scans is unchanged: both values, as the facts hold them
    assert software.dimension_value == "Software / Software › Application error"


def test_it_leaves_the_improvement_registers_own_kpis_out_of_trends_and_control_charts():
    # fewer open initiatives and fewer actions on time: the register's business, not a
    # service's problem
    store("improvement.initiatives_open", "month", SIXTEEN_MONTHS, rising(16)[::-1])
    store("improvement.completed_on_time_pct", "month", SIXTEEN_MONTHS, rising(16, 90, -2))
    store(
        "improvement.completed_on_time_pct",
        "week",
        TWENTY_SIX_WEEKS,
        alternating(24, 96.0) + [60.0, 55.0],
    )
    store(MEDIAN, "month", SIXTEEN_MONTHS, rising(16))  # a service figure still counts

    do_scan_opportunities(today=TODAY)

    assert [o.kpi_key for o in by_kind(OpportunityKind.ADVERSE_TREND)] == [MEDIAN]
    assert by_kind(OpportunityKind.CONTROL_SIGNAL) == []


def test_it_reports_satisfaction_drops_as_not_available_and_creates_none():
    result = do_scan_opportunities(today=TODAY)
    assert result.skipped["satisfaction_drop"].startswith("not available: Kaizen has no")
    assert not Opportunity.objects.filter(kind="satisfaction_drop").exists()


def test_it_finds_nothing_on_flat_data():
    store(MEDIAN, "month", SIXTEEN_MONTHS, alternating(16, 12.0))
    store(SLA, "week", TWENTY_SIX_WEEKS, alternating(26, 96.0))
    insert_incident_facts(*sla_facts("Email", met=30, missed=0))

    result = do_scan_opportunities(today=TODAY)

    assert Opportunity.objects.count() == 0
    assert result.counts() == {"created": 0, "updated": 0, "reopened": 0, "unchanged": 0}
    assert set(result.skipped) == {"satisfaction_drop"}


# -- recording ------------------------------------------------------------------------------


def test_it_updates_instead_of_duplicating_on_a_rescan():
    store(MEDIAN, "month", SIXTEEN_MONTHS, rising(16))
    first = do_scan_opportunities(today=TODAY)
    again = do_scan_opportunities(today=TODAY)

    assert Opportunity.objects.count() == 1
    assert len(first.created) == 1 and again.created == [] and len(again.unchanged) == 1
    assert len(events(EventType.OPPORTUNITY_DETECTED)) == 1
    assert events(EventType.OPPORTUNITY_UPDATED) == []  # same strength: nothing to journal


def test_it_journals_a_detection_by_the_system():
    store(MEDIAN, "month", SIXTEEN_MONTHS, rising(16))
    do_scan_opportunities(today=TODAY)
    [event] = events(EventType.OPPORTUNITY_DETECTED)
    opportunity = Opportunity.objects.get()
    assert event.actor is None and event.subject_id == str(opportunity.pk)
    assert event.data["kind"] == "adverse_trend" and event.data["kpi"] == MEDIAN
    assert event.data["strength"] == pytest.approx(opportunity.strength)


def test_it_journals_an_update_when_the_strength_changes():
    insert_incident_facts(*sla_facts("Email", met=18, missed=12, team="Mail team"))
    do_scan_opportunities(today=TODAY)
    insert_incident_facts(*sla_facts("Email", met=0, missed=5, first_id=500, team="Mail team"))

    result = do_scan_opportunities(today=TODAY)

    email = Opportunity.objects.get(dimension="service", dimension_value="Email")
    assert email.strength == pytest.approx(17)
    assert email.evidence["figure"]["n"] == 35
    assert {item["id"] for item in result.updated} >= {email.pk}
    [update] = [e for e in events(EventType.OPPORTUNITY_UPDATED) if e.subject_id == str(email.pk)]
    assert update.changes == {"strength": {"old": 12.0, "new": 17.0}} and update.actor is None


def dismiss(opportunity, user):
    from kaizen.improvement.services import do_dismiss_opportunity

    return do_dismiss_opportunity(opportunity, actor=user, reason="Known: the mail migration")


def test_a_dismissed_opportunity_stays_dismissed_on_the_same_or_a_little_more_evidence(
    csi_manager,
):
    insert_incident_facts(*sla_facts("Email", met=18, missed=12, team="Mail team"))
    do_scan_opportunities(today=TODAY)
    email = Opportunity.objects.get(dimension="service", dimension_value="Email")
    dismiss(email, csi_manager)

    do_scan_opportunities(today=TODAY)  # the same 12 breaches
    email.refresh_from_db()
    assert email.status == OpportunityStatus.DISMISSED

    # 15 breaches: exactly 1.25 x 12, not more
    insert_incident_facts(*sla_facts("Email", met=0, missed=3, first_id=500, team="Mail team"))
    result = do_scan_opportunities(today=TODAY)
    email.refresh_from_db()
    assert email.status == OpportunityStatus.DISMISSED and result.reopened == []
    assert email.strength == pytest.approx(12)  # the evidence as it was dismissed
    assert email.last_seen_at > email.first_seen_at
    assert events(EventType.OPPORTUNITY_REOPENED) == []


def test_a_dismissed_opportunity_reopens_when_its_evidence_grows_past_the_factor(csi_manager):
    insert_incident_facts(*sla_facts("Email", met=18, missed=12, team="Mail team"))
    do_scan_opportunities(today=TODAY)
    email = Opportunity.objects.get(dimension="service", dimension_value="Email")
    dismiss(email, csi_manager)

    insert_incident_facts(*sla_facts("Email", met=0, missed=4, first_id=500, team="Mail team"))
    result = do_scan_opportunities(today=TODAY)

    email.refresh_from_db()
    assert 12 * REOPEN_FACTOR < 16
    assert email.status == OpportunityStatus.OPEN and email.strength == pytest.approx(16)
    assert [item["id"] for item in result.reopened if item["kind"] == "sla_hotspot"] == [email.pk]
    [event] = events(EventType.OPPORTUNITY_REOPENED)
    assert event.subject_id == str(email.pk) and event.actor is None
    assert event.data["dismissed_strength"] == pytest.approx(12)
    assert event.data["new_strength"] == pytest.approx(16)
    assert event.changes["status"] == {"old": "dismissed", "new": "open"}


def test_a_started_opportunity_is_only_seen_again(csi_manager):
    from kaizen.improvement.services import do_start_initiative_from_opportunity

    insert_incident_facts(*sla_facts("Email", met=18, missed=12, team="Mail team"))
    do_scan_opportunities(today=TODAY)
    email = Opportunity.objects.get(dimension="service", dimension_value="Email")
    do_start_initiative_from_opportunity(email, actor=csi_manager)
    email.refresh_from_db()
    seen = email.last_seen_at
    journaled = JournalEvent.objects.count()

    insert_incident_facts(*sla_facts("Email", met=0, missed=20, first_id=500, team="Mail team"))
    do_scan_opportunities(today=TODAY)

    email.refresh_from_db()
    assert email.status == OpportunityStatus.STARTED
    assert email.strength == pytest.approx(12) and email.last_seen_at > seen
    later = JournalEvent.objects.order_by("id")[journaled:]
    assert [
        e
        for e in later
        if e.subject_id == str(email.pk) and e.event_type.startswith("improvement.opportunity")
    ] == []
