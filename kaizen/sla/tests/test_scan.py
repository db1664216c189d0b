"""The periodic scan fires each warning and breach once, journaled, with escalations."""

import pytest

from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import Notification
from kaizen.people import services as people_services
from kaizen.sla.models import SLAClock
from kaizen.sla.scan import scan_due_clocks
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar, priority_definitions
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_desk(monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-02 09:00")
    manager = make_user("mona", first_name="Mona")
    members = [make_user("sam"), make_user("sue")]
    team = make_team("Service Desk", members=members)
    people_services.do_update_team(team, actor=None, manager=manager)
    escalations = [
        {"at": 50, "action": "notify_assignee"},
        {"at": 90, "action": "notify_group"},
        {"at": 100, "action": "notify_manager"},
    ]
    priority_definitions(office_calendar(), escalations=escalations)
    return team


def events(kind: EventType) -> list[JournalEvent]:
    return list(JournalEvent.objects.filter(event_type=kind).order_by("id"))


def test_it_warns_at_each_threshold_and_breaches_once(
    service_desk, monkeypatch, django_capture_on_commit_callbacks
):
    sam = service_desk.members.get(username="sam")
    incident = make_incident(
        impact=2,
        urgency=2,
        assignment_group=service_desk,
        assignee=sam,
        at=london("2026-03-02 09:00"),
    )
    resolution = SLAClock.objects.get(incident=incident, kind="resolution")
    assert resolution.next_action_at is not None

    # 13:00: half of the 8 h resolution target; the 1 h response target is long breached.
    report = scan_due_clocks(now=london("2026-03-02 13:00"))
    assert report.breaches == 1  # the response clock
    warnings = [(e.data["kind"], e.data["percent"]) for e in events(EventType.SLA_CLOCK_WARNING)]
    assert sorted(warnings) == [
        ("resolution", 50),
        ("response", 50),
        ("response", 75),
        ("response", 90),
    ]
    assert scan_due_clocks(now=london("2026-03-02 13:00")).examined == 0  # nothing fires twice

    # The resolution target is used up at Monday 17:00; at Tuesday 09:00 exactly it is still
    # met (elapsed == target), a minute later it is breached.
    report = scan_due_clocks(now=london("2026-03-03 09:00"))
    assert (report.warnings, report.breaches) == (2, 0)  # 75 % and 90 %
    report = scan_due_clocks(now=london("2026-03-03 09:01"))
    assert report.breaches == 1
    breaches = [e.data["kind"] for e in events(EventType.SLA_CLOCK_BREACHED)]
    assert breaches == ["response", "resolution"]
    resolution.refresh_from_db()
    assert (resolution.state, resolution.breached, resolution.next_action_at) == (
        "breached",
        True,
        None,
    )
    incident.refresh_from_db()
    assert incident.sla_state == "breached"


def test_it_runs_the_escalations_configured_for_each_threshold(
    service_desk, django_capture_on_commit_callbacks
):
    sam = service_desk.members.get(username="sam")
    incident = make_incident(
        short_description="Mail down on floor 3",
        impact=2,
        urgency=2,
        assignment_group=service_desk,
        assignee=sam,
        at=london("2026-03-02 09:00"),
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks():
        scan_due_clocks(now=london("2026-03-02 10:01"))  # response: past 100 %, breached
    recipients = sorted(
        n.recipient.username for n in Notification.objects.filter(category="sla_warning")
    )
    assert recipients == ["sam", "sam", "sue"]  # 50 %: assignee; 90 %: the group (sam, sue)
    breach = Notification.objects.get(category="sla_breach")
    assert breach.recipient.username == "mona"  # 100 %: the group's manager
    assert breach.subject == (f"[{incident.number}] SLA breached (response): Mail down on floor 3")
    assert f"response target (p3_response) of incident {incident.number} is breached" in (
        breach.text
    )
    assert f"{incident.number}: Mail down on floor 3\n" in breach.text
    assert f"Priority 3 - Moderate, assigned to {sam}.\n" in breach.text
    assert breach.text.rstrip().endswith(f"/incidents/{incident.number}/")


def test_it_never_fires_for_a_paused_or_met_clock(service_desk):
    from kaizen.incidents import services as incident_services

    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident = incident_services.do_change_incident_state(
        incident, "in_progress", actor=None, expected_version=None, at=london("2026-03-02 09:10")
    )
    incident_services.do_change_incident_state(
        incident,
        "on_hold",
        actor=None,
        expected_version=None,
        on_hold_reason="awaiting_caller",
        at=london("2026-03-02 09:20"),
    )
    report = scan_due_clocks(now=london("2026-03-09 09:00"))
    assert (report.warnings, report.breaches) == (0, 0)


def test_a_claim_is_exclusive(service_desk):
    make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    clock = SLAClock.objects.filter(next_action_at__isnull=False).order_by("next_action_at").first()
    marker = clock.next_action_at
    first = SLAClock.objects.filter(pk=clock.pk, next_action_at=marker).update(next_action_at=None)
    second = SLAClock.objects.filter(pk=clock.pk, next_action_at=marker).update(next_action_at=None)
    assert (first, second) == (1, 0)


def test_it_reassigns_and_raises_priority_when_asked(monkeypatch):
    from kaizen.sla.services import do_create_sla_definition

    freeze_sla_time(monkeypatch, "2026-03-02 09:00")
    escalation_team = make_team("Major Incident Team")
    calendar = office_calendar("office-escalation")
    do_create_sla_definition(
        actor=None,
        name="P4 resolution",
        kind="resolution",
        target_minutes=120,
        priorities=[4],
        calendar=calendar,
        warning_thresholds=[50],
        escalations=[
            {"at": 50, "action": "raise_priority"},
            {"at": 100, "action": "reassign", "team": escalation_team.slug},
        ],
    )
    incident = make_incident(impact=2, urgency=3, at=london("2026-03-02 09:00"))
    assert incident.priority == 4
    scan_due_clocks(now=london("2026-03-02 10:00"))
    incident.refresh_from_db()
    assert (incident.urgency, incident.priority) == (2, 3)  # raised one level
    # P3 has no definition here, so the P4 clock was cancelled by the change itself.
    assert SLAClock.objects.get(incident=incident).state == "cancelled"


def test_it_finds_clocks_due_after_their_rows_were_rewritten(service_desk):
    """Rows rewritten by a refresh must still compare as datetimes in SQL (adapted values)."""
    from kaizen.incidents import services as incident_services

    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    incident_services.do_change_incident_state(
        incident, "in_progress", actor=None, expected_version=None, at=london("2026-03-02 09:10")
    )
    resolution = SLAClock.objects.get(incident=incident, kind="resolution")
    assert SLAClock.objects.filter(
        pk=resolution.pk, next_action_at__lte=london("2026-03-02 13:00")
    ).exists()
    assert not SLAClock.objects.filter(
        pk=resolution.pk, next_action_at__lte=london("2026-03-02 12:59")
    ).exists()
    assert scan_due_clocks(now=london("2026-03-02 13:00")).warnings == 1
