"""Outages through the services: what makes an outage (each fault on its field), proposals
confirmed or dismissed, monitoring's idempotent open and close, and the figures from stored
records (only confirmed outages count; planned work inside a maintenance window does not)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kaizen.availability import services
from kaizen.availability.models import Outage, OutageKind, OutageOrigin, OutageStatus
from kaizen.availability.selectors import service_availability
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.verify import registered, verify_kind
from kaizen.sla.tests.helpers import office_calendar
from kaizen.testing import make_service, make_user

pytestmark = pytest.mark.django_db
HOUR = 3600 * 10**6


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def record(service, start, end, **fields):
    fields.setdefault("kind", OutageKind.UNPLANNED)
    fields.setdefault("title", "Mail down")
    return services.do_record_outage(
        actor=fields.pop("actor", None),
        service=service,
        started_at=utc(start),
        ended_at=utc(end) if end else None,
        **fields,
    )


def journal_equals_data(name: str) -> bool:
    """Folding each record's journal gives its stored fields (`kaizen journal verify`)."""
    (kind,) = [kind for kind in registered() if kind.name == name]
    report = verify_kind(kind)
    return report.records > 0 and report.mismatches == []


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_each_fault_of_an_outage_is_named_on_its_field():
    mail = make_service("Mail")
    assert set(
        errors_of(lambda: record(mail, "2026-03-10 12:00", "2026-03-10 11:00", title=" "))
    ) == {"ended_at", "title"}
    assert "share_affected" in errors_of(
        lambda: record(mail, "2026-03-10 10:00", None, kind=OutageKind.DEGRADED, share_affected=100)
    )
    assert "share_affected" in errors_of(
        lambda: record(mail, "2026-03-10 10:00", None, share_affected=40)
    )
    assert "cause_reference" in errors_of(
        lambda: record(mail, "2026-03-10 10:00", None, cause_kind="incident")
    )
    assert "started_at" in errors_of(lambda: record(mail, "2099-01-01 10:00", None))
    assert not Outage.objects.exists()


def test_a_proposal_counts_only_once_confirmed_and_a_dismissed_one_stays_dismissed():
    mail = make_service("Mail")
    manager = make_user("slm")
    week = (utc("2026-03-09 00:00"), utc("2026-03-16 00:00"))
    proposal = services.do_propose_outage(
        origin=OutageOrigin.MAJOR_INCIDENT,
        origin_key="incident:INC0000001",
        service=mail,
        started_at=utc("2026-03-10 10:00"),
        ended_at=utc("2026-03-10 12:00"),
        title="Mail down",
    )
    assert proposal.created and proposal.outage.status == OutageStatus.PROPOSED
    assert service_availability(mail, *week, now=week[1]).whole.downtime_us == 0
    # Proposed again with a later end (the incident was resolved later): it follows.
    again = services.do_propose_outage(
        origin=OutageOrigin.MAJOR_INCIDENT,
        origin_key="incident:INC0000001",
        service=mail,
        started_at=utc("2026-03-10 10:00"),
        ended_at=utc("2026-03-10 13:00"),
        title="Mail down",
    )
    assert not again.created and again.outage.ended_at == utc("2026-03-10 13:00")
    # The manager establishes it ended at 12:30 and confirms: now it counts, 2.5 hours.
    services.do_confirm_outage(
        again.outage, actor=manager, expected_version=None, ended_at=utc("2026-03-10 12:30")
    )
    figure = service_availability(mail, *week, now=week[1]).whole
    assert figure.downtime_us == 2.5 * HOUR
    # Proposed once more after confirmation: left as the person decided.
    services.do_propose_outage(
        origin=OutageOrigin.MAJOR_INCIDENT,
        origin_key="incident:INC0000001",
        service=mail,
        started_at=utc("2026-03-10 09:00"),
        ended_at=utc("2026-03-10 14:00"),
        title="Mail down",
    )
    assert Outage.objects.get().ended_at == utc("2026-03-10 12:30")
    other = services.do_propose_outage(
        origin=OutageOrigin.FAILED_CHANGE,
        origin_key="change:CHG0000001",
        service=mail,
        started_at=utc("2026-03-11 10:00"),
        ended_at=utc("2026-03-11 11:00"),
        title="Mail upgrade went wrong",
    ).outage
    assert "reason" in errors_of(
        lambda: services.do_dismiss_outage(other, actor=manager, reason=" ", expected_version=None)
    )
    services.do_dismiss_outage(
        other, actor=manager, reason="Users were not affected", expected_version=None
    )
    assert "status" in errors_of(
        lambda: services.do_confirm_outage(other, actor=manager, expected_version=None)
    )
    events = JournalEvent.objects.filter(event_type__startswith="availability.outage.")
    assert set(events.values_list("event_type", flat=True)) == {
        EventType.OUTAGE_PROPOSED,
        EventType.OUTAGE_UPDATED,
        EventType.OUTAGE_CONFIRMED,
        EventType.OUTAGE_DISMISSED,
    }
    # Folding each outage's journal gives its stored fields.
    assert journal_equals_data("availability.outage")


def test_monitoring_opens_and_closes_once_whatever_it_repeats():
    mail = make_service("Mail")
    opened = services.do_monitoring_signal(
        actor=None,
        source="zabbix",
        key="4411",
        signal="open",
        at=utc("2026-03-10 10:00"),
        service=mail,
    )
    assert opened.created and opened.outage.is_ongoing
    assert opened.outage.title == "Mail down (zabbix)"
    repeated = services.do_monitoring_signal(
        actor=None, source="zabbix", key="4411", signal="open", at=utc("2026-03-10 10:05")
    )
    assert not repeated.created and repeated.outage.pk == opened.outage.pk
    for _ in range(2):
        services.do_monitoring_signal(
            actor=None, source="zabbix", key="4411", signal="close", at=utc("2026-03-10 10:40")
        )
    outage = Outage.objects.get()
    assert outage.ended_at == utc("2026-03-10 10:40")
    assert outage.status == OutageStatus.PROPOSED and outage.origin == OutageOrigin.MONITORING
    ended = JournalEvent.objects.filter(event_type=EventType.OUTAGE_ENDED)
    assert ended.count() == 1
    assert "key" in errors_of(
        lambda: services.do_monitoring_signal(
            actor=None, source="zabbix", key="9", signal="close", at=utc("2026-03-10 11:00")
        )
    )


def test_planned_work_inside_a_maintenance_window_costs_nothing(change_manager):
    from kaizen.changes.services.calendar import do_create_window

    mail = make_service("Mail")
    do_create_window(
        actor=change_manager,
        kind="maintenance",
        name="Sunday early",
        recurrence="weekly",
        weekday=6,
        start_time=dt.time(2),
        end_time=dt.time(6),
        time_zone="UTC",
        services=[mail],
    )
    record(mail, "2026-03-15 01:00", "2026-03-15 05:00", kind=OutageKind.PLANNED)
    week = (utc("2026-03-09 00:00"), utc("2026-03-16 00:00"))
    figure = service_availability(mail, *week, now=week[1]).whole
    assert figure.downtime_us == HOUR  # 01:00-02:00, before the window opened
    assert figure.agreed_us == 7 * 24 * HOUR  # no target: every hour, nothing judged
    assert figure.met is None


def test_an_ongoing_outage_counts_until_now_and_targets_apply_from_their_day():
    mail = make_service("Mail")
    office = office_calendar()
    services.do_set_availability_target(
        mail,
        actor=None,
        valid_from=dt.date(2026, 3, 1),
        target_percent=Decimal("99"),
        calendar=office,
    )
    record(mail, "2026-03-13 15:00", None)  # Friday 15:00, still down
    now = utc("2026-03-16 10:00")  # Monday 10:00
    result = service_availability(mail, utc("2026-03-09 00:00"), utc("2026-03-16 12:00"), now=now)
    figure = result.whole
    # Office hours Mon 9 - Mon 10 (now): 5 days x 8 h + 1 h = 41 h; down Fri 15-17 and
    # Mon 9-10: 3 h.
    assert figure.agreed_us == 41 * HOUR
    assert figure.downtime_us == 3 * HOUR
    assert figure.target_percent == 99.0 and figure.met is False
    # A new target from the Monday keeps 99 % for the week before.
    services.do_set_availability_target(
        mail,
        actor=None,
        valid_from=dt.date(2026, 3, 16),
        target_percent=Decimal("90"),
        calendar=office,
    )
    later = service_availability(mail, utc("2026-03-09 00:00"), utc("2026-03-16 12:00"), now=now)
    allowed = 40 * HOUR / 100 + 1 * HOUR / 10
    assert float(later.whole.allowed_downtime_us) == pytest.approx(allowed)
    assert journal_equals_data("availability.target")
