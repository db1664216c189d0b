"""The config services behind the calendar and definition pages and endpoints: the journal
row each change writes, and validation errors that name the field."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.sla import services
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.tests.config_helpers import (
    OFFICE_PERIODS,
    last_event,
    london,
    make_calendar,
    make_definition,
)
from kaizen.testing import make_offering, make_service

pytestmark = pytest.mark.django_db

T = dt.time


def field_of(caught: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return list(caught.value.error_dict)


# -- calendars --------------------------------------------------------------------------------


def test_it_creates_a_calendar_and_journals_every_field_with_its_periods(sla_manager):
    calendar = services.do_create_calendar(
        actor=sla_manager,
        name="Night desk",
        slug="night-desk",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BY",
        periods=[(0, T(22), T(0)), (1, T(0), T(6))],
        closures=[(dt.date(2026, 12, 31), "Silvester")],
    )
    assert [str(p) for p in calendar.periods.all()] == ["Monday 22:00-00:00", "Tuesday 00:00-06:00"]
    event = last_event(calendar)
    assert event.event_type == EventType.CALENDAR_CREATED and event.actor == sla_manager
    assert event.changes["time_zone"] == {"old": None, "new": "Europe/Berlin"}
    assert event.changes["periods"] == {"old": [], "new": ["Mon 22:00-00:00", "Tue 00:00-06:00"]}
    assert event.changes["closures"] == {"old": [], "new": ["2026-12-31 Silvester"]}


def test_it_journals_old_and_new_periods_and_closures_on_update(office, sla_manager):
    services.do_update_calendar(
        office,
        actor=sla_manager,
        name="UK office",
        periods=[*OFFICE_PERIODS[:4], (4, T(9), T(12)), (4, T(13), T(16))],
        closures=[],
    )
    event = last_event(office)
    assert event.event_type == EventType.CALENDAR_UPDATED and event.actor == sla_manager
    assert event.changes["name"] == {"old": "UK office hours", "new": "UK office"}
    assert event.changes["periods"]["old"][-1] == "Fri 09:00-17:00"
    assert event.changes["periods"]["new"][-2:] == ["Fri 09:00-12:00", "Fri 13:00-16:00"]
    assert event.changes["closures"] == {"old": ["2026-12-24 Christmas Eve"], "new": []}
    assert event.data == {}
    office.refresh_from_db()
    assert office.periods.filter(weekday=4).count() == 2 and not office.closures.exists()


def test_it_records_the_remeasure_request_and_schedules_it_after_commit(
    office, sla_manager, django_capture_on_commit_callbacks
):
    since = london("2026-03-01 00:00")
    with django_capture_on_commit_callbacks() as callbacks:
        services.do_update_calendar(
            office,
            actor=sla_manager,
            time_zone="Europe/Dublin",
            remeasure=True,
            remeasure_since=since,
        )
    assert last_event(office).data == {"remeasure_since": since.isoformat()}
    assert len(callbacks) == 1  # the re-measure itself is the lead's to test


def test_it_writes_nothing_when_a_calendar_does_not_change(
    office, django_capture_on_commit_callbacks
):
    before = JournalEvent.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        services.do_update_calendar(
            office,
            actor=None,
            name=office.name,
            periods=list(OFFICE_PERIODS),
            closures=[(dt.date(2026, 12, 24), "Christmas Eve")],
        )
    assert JournalEvent.objects.count() == before and not callbacks


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"holiday_country": "", "holiday_subdivision": "ENG"}, "holiday_subdivision"),
        ({"periods": [(0, T(17), T(9))]}, "end_time"),
        ({"periods": [(0, T(9), T(9))]}, "end_time"),
        ({"periods": []}, "periods"),
        ({"periods": [(7, T(9), T(17))]}, "weekday"),
        ({"closures": [(dt.date(2026, 1, 2), "a"), (dt.date(2026, 1, 2), "b")]}, "closures"),
        ({"slug": "not a slug"}, "slug"),
    ],
)
def test_it_refuses_a_bad_calendar_naming_the_field(fields, field):
    with pytest.raises(ValidationError) as caught:
        make_calendar(**fields)
    assert field_of(caught) == [field]
    assert not BusinessCalendar.objects.exists() and not JournalEvent.objects.exists()


def test_it_refuses_a_bad_update_and_keeps_the_calendar(office):
    before = JournalEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.do_update_calendar(office, actor=None, periods=[(0, T(12), T(8))])
    assert field_of(caught) == ["end_time"]
    assert BusinessCalendar.objects.get().periods.count() == 5
    assert JournalEvent.objects.count() == before


def test_it_names_the_region_for_an_unknown_region_of_a_known_country():
    with pytest.raises(ValidationError) as caught:
        make_calendar(holiday_country="GB", holiday_subdivision="XX")
    assert field_of(caught) == ["holiday_subdivision"]


# -- SLA definitions --------------------------------------------------------------------------


def test_it_creates_a_definition_and_journals_every_setting(office, email, sla_manager):
    definition = services.do_create_sla_definition(
        actor=sla_manager,
        name="Email response",
        kind="response",
        calendar=office,
        target_minutes=30,
        service=email,
        priorities=[1, 2],
        conditions={"channel": ["phone", "email"]},
        pause_reasons=["awaiting_caller"],
        warning_thresholds=[50, 75],
        escalations=[{"at": 100, "action": "reassign", "team": "service-desk"}],
    )
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_CREATED and event.actor == sla_manager
    assert event.changes["calendar"] == {"old": None, "new": {"id": office.pk, "repr": office.name}}
    assert event.changes["target_minutes"] == {"old": None, "new": 30}
    assert event.changes["conditions"] == {"old": None, "new": {"channel": ["phone", "email"]}}
    assert event.changes["escalations"]["new"] == [
        {"at": 100, "action": "reassign", "team": "service-desk"}
    ]


def test_it_journals_old_and_new_values_and_the_remeasure_request_on_update(
    definition, sla_manager, django_capture_on_commit_callbacks
):
    since = london("2026-01-01 00:00")
    with django_capture_on_commit_callbacks() as callbacks:
        services.do_update_sla_definition(
            definition,
            actor=sla_manager,
            target_minutes=240,
            warning_thresholds=[80],
            escalations=[],
            remeasure=True,
            remeasure_since=since,
        )
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_UPDATED
    assert event.changes == {
        "target_minutes": {"old": 480, "new": 240},
        "warning_thresholds": {"old": [50, 75, 90], "new": [80]},
        "escalations": {"old": [{"at": 90, "action": "notify_group"}], "new": []},
    }
    assert event.data == {"remeasure_since": since.isoformat()}
    assert len(callbacks) == 1


def test_it_writes_nothing_when_a_definition_does_not_change(
    definition, django_capture_on_commit_callbacks
):
    before = JournalEvent.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        services.do_update_sla_definition(
            definition, actor=None, target_minutes=480, priorities=[1, 2]
        )
    assert JournalEvent.objects.count() == before and not callbacks


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"warning_thresholds": [0]}, "warning_thresholds"),
        ({"warning_thresholds": [100]}, "warning_thresholds"),
        ({"warning_thresholds": ["50"]}, "warning_thresholds"),
        ({"escalations": [{"at": 90, "action": "phone_the_ceo"}]}, "escalations"),
        ({"escalations": [{"at": 60, "action": "notify_group"}]}, "escalations"),
        ({"escalations": [{"at": 100, "action": "reassign"}]}, "escalations"),
        ({"escalations": {"at": 100}}, "escalations"),
        ({"pause_reasons": ["awaiting_godot"]}, "pause_reasons"),
        ({"priorities": [0, 6]}, "priorities"),
        ({"conditions": {"channel": "phone"}}, "conditions"),
        ({"conditions": ["channel"]}, "conditions"),
        ({"kind": "restoration"}, "kind"),
        ({"target_minutes": 0}, "target_minutes"),
    ],
)
def test_it_refuses_a_bad_definition_naming_the_field(office, fields, field):
    with pytest.raises(ValidationError) as caught:
        make_definition(office, **fields)
    assert field_of(caught) == [field]
    assert not SLADefinition.objects.exists()


def test_it_refuses_an_offering_of_another_service(office, email):
    payroll = make_service("Payroll", slug="payroll")
    offering = make_offering(payroll, "Payslips")
    with pytest.raises(ValidationError) as caught:
        make_definition(office, service=email, offering=offering)
    assert field_of(caught) == ["offering"]


def test_it_refuses_a_bad_update_and_writes_nothing(definition):
    before = JournalEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.do_update_sla_definition(
            definition, actor=None, warning_thresholds=[50], escalations=definition.escalations
        )
    assert field_of(caught) == ["escalations"]  # the step at 90 % lost its threshold
    assert SLADefinition.objects.get().warning_thresholds == [50, 75, 90]
    assert JournalEvent.objects.count() == before
