"""Every event type as people read it in timelines and the audit trail: hand-written lines for
each, with its data shaped as the service that records it writes it (kaizen/*/event_shapes.py
registrations, read by kaizen/journal/presenting.py)."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kaizen.catalog.models import Location
from kaizen.core.times import local_text
from kaizen.imports.models import ImportRun
from kaizen.improvement.models import Gap, Opportunity
from kaizen.improvement.tests.helpers import make_goal, make_initiative
from kaizen.incidents.models import Category, PriorityMatrix
from kaizen.incidents.services import do_add_incident_attachment, do_add_incident_comment
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Link, present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.services import record_event
from kaizen.kpis.models import ExternalUpload, MeasurementRun
from kaizen.kpis.tests.helpers import make_custom_kpi
from kaizen.sla.models import RecomputeRun
from kaizen.sla.tests.config_helpers import make_calendar, make_definition
from kaizen.testing import make_ci, make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.django_db


def shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dt.date):
        return local_text(value)
    if isinstance(value, Link):
        return f"{value.text} <{value.url}>"
    return str(value)


def lines_of(event: Any) -> list[str]:
    out = [
        f"{change.label}: {shown(change.new)}"
        if event.is_creation
        else f"{change.label}: {shown(change.old)} → {shown(change.new)}"
        for change in event.readable_changes
    ]
    return out + [f"{detail.label}: {shown(detail.value)}" for detail in event.readable_data]


def lines(event_type, subject, changes=None, data=None, reader=None) -> list[str]:
    with transaction.atomic():
        record_event(event_type, subject, actor=None, changes=changes, data=data)
    (event,) = present(timeline_for(subject)[:1], reader)
    return lines_of(event)


# -- people, notifications -------------------------------------------------------------------


def test_people_events():
    grace = make_user("grace", first_name="Grace", last_name="Hopper")
    team = make_team("Service desk")
    assert lines(
        EventType.USER_CREATED,
        grace,
        {"username": {"old": None, "new": "grace"}, "kind": {"old": None, "new": "agent"}},
    ) == ["Username: grace", "Kind: Agent"]
    assert lines(EventType.USER_UPDATED, grace, {"kind": {"old": "agent", "new": "requester"}}) == [
        "Kind: Agent → Requester"
    ]
    assert lines(EventType.USER_PASSWORD_CHANGED, grace) == []
    assert lines(
        EventType.TEAM_CREATED,
        team,
        {
            "name": {"old": None, "new": "Service desk"},
            "members": {"old": [], "new": [{"id": grace.pk, "repr": "Grace Hopper"}]},
        },
    ) == ["Name: Service desk", "Members: Grace Hopper"]
    assert lines(
        EventType.TEAM_UPDATED,
        team,
        {"name": {"old": "Service desk", "new": "Desk"}},
    ) == ["Name: Service desk → Desk"]
    member = {"member": {"id": grace.pk, "repr": "Grace Hopper"}}
    assert lines(EventType.TEAM_MEMBER_ADDED, team, data=member) == ["Member: Grace Hopper"]
    assert lines(EventType.TEAM_MEMBER_REMOVED, team, data=member) == ["Member: Grace Hopper"]
    role = {"process": "improvement", "role": "owner"}
    expected = ["Process: Continual improvement", "Role: Process owner"]
    assert lines(EventType.PROCESS_ROLE_GRANTED, grace, data=role) == expected
    assert lines(EventType.PROCESS_ROLE_REVOKED, grace, data=role) == expected
    token = {"token": "monitoring", "prefix": "kz_Ab12Cd3"}
    expected = ["Token: monitoring", "Begins with: kz_Ab12Cd3"]
    assert lines(EventType.API_TOKEN_CREATED, grace, data=token) == expected
    assert lines(EventType.API_TOKEN_REVOKED, grace, data=token) == expected
    category = {"category": "sla_breach"}
    expected = ["Notifications: SLA breaches on my incidents and my teams' incidents"]
    assert lines(EventType.NOTIFICATION_OPTED_OUT, grace, data=category) == expected
    assert lines(EventType.NOTIFICATION_OPTED_IN, grace, data=category) == expected
    assert lines(EventType.USER_SIGNED_IN, grace, data={"address": "203.0.113.7"}) == [
        "From address: 203.0.113.7"
    ]
    assert lines(
        EventType.USER_LOCKED_OUT, grace, data={"address": "203.0.113.7", "minutes": 15}
    ) == [
        "From address: 203.0.113.7",
        "Refused for: 15 minutes",
    ]
    failed = lines(EventType.USER_SIGNIN_FAILED, grace, data={"address": "203.0.113.7"})
    assert failed == ["From address: 203.0.113.7"]
    refused = {"address": "192.0.2.4", "token": "laptop script", "reason": "revoked"}
    assert lines(EventType.TOKEN_REFUSED, grace, data=refused) == [
        "From address: 192.0.2.4",
        "Token: laptop script",
        "Why: revoked",
    ]


# -- catalogue -------------------------------------------------------------------------------


def test_catalogue_events():
    mail = make_service("Mail", slug="mail")
    vm = make_service("Virtual machines", slug="vms")
    assert lines(
        EventType.SERVICE_CREATED,
        mail,
        {"name": {"old": None, "new": "Mail"}, "criticality": {"old": None, "new": "high"}},
    ) == ["Name: Mail", "Criticality: High"]
    assert lines(
        EventType.SERVICE_UPDATED, mail, {"criticality": {"old": "high", "new": "critical"}}
    ) == ["Criticality: High → Critical"]
    assert lines(
        EventType.SERVICE_LIFECYCLE_CHANGED,
        mail,
        {"lifecycle": {"old": "pipeline", "new": "live"}},
        {"reason": "Launched"},
    ) == ["Lifecycle: Pipeline → Live", "Reason: Launched"]
    depends = {"depends_on": {"id": vm.pk, "repr": "Virtual machines"}, "kind": "hosted_on"}
    assert lines(
        EventType.SERVICE_DEPENDENCY_ADDED, mail, data={**depends, "note": "Exchange VMs"}
    ) == ["Dependency: Hosted on", "On: Virtual machines", "Note: Exchange VMs"]
    assert lines(EventType.SERVICE_DEPENDENCY_REMOVED, mail, data=depends) == [
        "Dependency: Hosted on",
        "On: Virtual machines",
    ]
    offering = make_offering(mail, "Shared mailbox")
    assert lines(
        EventType.OFFERING_CREATED, offering, {"name": {"old": None, "new": "Shared mailbox"}}
    ) == ["Name: Shared mailbox"]
    assert lines(
        EventType.OFFERING_UPDATED,
        offering,
        {"name": {"old": "Shared mailbox", "new": "Team mailbox"}},
    ) == ["Name: Shared mailbox → Team mailbox"]
    ci = make_ci("VMHOST-01")
    assert lines(EventType.CI_CREATED, ci, {"name": {"old": None, "new": "VMHOST-01"}}) == [
        "Name: VMHOST-01"
    ]
    assert lines(EventType.CI_UPDATED, ci, {"name": {"old": "VMHOST-01", "new": "VMHOST-02"}}) == [
        "Name: VMHOST-01 → VMHOST-02"
    ]
    location = Location.objects.create(name="Leeds")
    assert lines(EventType.LOCATION_CREATED, location, {"name": {"old": None, "new": "Leeds"}}) == [
        "Name: Leeds"
    ]


# -- incidents -------------------------------------------------------------------------------


def test_incident_events(requester, agent):
    incident = make_incident(requester)
    (created,) = present(timeline_for(incident), agent)
    assert created.event_type == EventType.INCIDENT_CREATED and created.is_creation
    text = lines_of(created)
    assert "Priority: 5 - Planning" in text and "State: New" in text
    assert not any("(none)" in line or "→" in line for line in text)
    assert lines(EventType.INCIDENT_UPDATED, incident, {"urgency": {"old": 3, "new": 1}}) == [
        "Urgency: 3 - Low → 1 - High"
    ]
    assert lines(
        EventType.INCIDENT_ASSIGNED,
        incident,
        {"assignee": {"old": None, "new": {"id": agent.pk, "repr": "Alan Agent"}}},
    ) == ["Assignee: (none) → Alan Agent"]
    assert lines(
        EventType.INCIDENT_STATE_CHANGED,
        incident,
        {"state": {"old": "resolved", "new": "closed"}},
        {"reason": "closed automatically 7 days after resolution"},
    ) == ["State: Resolved → Closed", "Reason: closed automatically 7 days after resolution"]
    assert lines(
        EventType.INCIDENT_ON_HOLD_REASON_CHANGED,
        incident,
        {"on_hold_reason": {"old": "awaiting_caller", "new": "awaiting_vendor"}},
    ) == ["On hold reason: Awaiting caller → Awaiting vendor"]
    category = Category.objects.create(name="Network")
    assert lines(
        EventType.CATEGORY_CREATED, category, {"name": {"old": None, "new": "Network"}}
    ) == ["Name: Network"]
    assert lines(
        EventType.CATEGORY_UPDATED,
        category,
        {"is_active": {"old": True, "new": False}},
        {"reason": "Infrastructure was deactivated"},
    ) == ["Is active: Yes → No", "Reason: Infrastructure was deactivated"]
    cell = PriorityMatrix.objects.get(impact=1, urgency=2)
    assert lines(
        EventType.PRIORITY_MATRIX_CHANGED,
        cell,
        {"priority": {"old": 2, "new": 1}},
        {"impact": 1, "urgency": 2},
    ) == ["Priority: 2 - High → 1 - Critical", "Impact: 1 - High", "Urgency: 2 - Medium"]


def test_a_comment_reads_as_its_words_linked_for_those_who_may_read_it(requester, agent):
    incident = make_incident(requester)
    comment = do_add_incident_comment(incident, "Restarted   the VPN\nclient.", actor=agent)
    note = do_add_incident_comment(incident, "Vendor ticket 4411", actor=agent, is_work_note=True)
    url = incident.get_absolute_url()
    for reader, expected in (
        (
            agent,
            [
                f"Work note: “Vendor ticket 4411” <{url}#comment-{note.pk}>",
                f"Comment: “Restarted the VPN client.” <{url}#comment-{comment.pk}>",
            ],
        ),
        (
            requester,  # the caller reads the comment, never the work note
            [
                f"Work note: work note #{note.pk} on {incident.number}",
                f"Comment: “Restarted the VPN client.” <{url}#comment-{comment.pk}>",
            ],
        ),
        (
            None,
            [
                f"Work note: work note #{note.pk} on {incident.number}",
                f"Comment: comment #{comment.pk} on {incident.number}",
            ],
        ),
    ):
        events = present(timeline_for(incident)[:2], reader)
        assert [event.event_type for event in events] == [
            EventType.INCIDENT_WORK_NOTE_ADDED,
            EventType.INCIDENT_COMMENTED,
        ]
        assert [lines_of(event)[-1] for event in events] == expected


def test_an_attachment_reads_as_its_file_linked(requester, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    incident = make_incident(requester)
    upload = SimpleUploadedFile("error.log", b"x" * 2048, content_type="text/plain")
    attachment = do_add_incident_attachment(incident, upload, actor=agent)
    (event,) = present(timeline_for(incident)[:1], agent)
    assert lines_of(EventType.INCIDENT_ATTACHMENT_ADDED and event) == [
        f"File: error.log <{attachment.get_absolute_url()}>",
        "Size: 2.0\xa0KB",
    ]


# -- changes ---------------------------------------------------------------------------------


def test_change_events(requester, agent, change_manager, settings, tmp_path):
    from kaizen.changes import services as change_services
    from kaizen.changes.models import ChangeCategory
    from kaizen.changes.tests.factories import approved_template, raise_change

    settings.MEDIA_ROOT = tmp_path
    change = raise_change(agent, requester=requester)
    (created,) = present(timeline_for(change), agent)
    assert created.event_type == EventType.CHANGE_CREATED and created.is_creation
    text = lines_of(created)
    assert "State: Draft" in text and "Risk: Low" in text and "Change type: Normal" in text
    # A change created for work seen with no change says what was seen, in words.
    sighting = {"ci": "sw1", "seen_at": "2026-03-02T10:30:00+00:00", "source": "scan", "what": "x"}
    assert lines(EventType.CHANGE_CREATED, change, {}, sighting) == [
        "Configuration item: sw1",
        "Seen: 2 Mar 2026, 10:30",
        "Seen by: scan",
        "What: x",
    ]
    assert lines(EventType.CHANGE_UPDATED, change, {"risk": {"old": 1, "new": 3}}) == [
        "Risk: Low → High"
    ]
    assert lines(
        EventType.CHANGE_STATE_CHANGED, change, {"state": {"old": "assess", "new": "authorise"}}
    ) == ["State: Assess → Authorise"]
    assert lines(
        EventType.CHANGE_AUTHORISED,
        change,
        {"authorised_at": {"old": None, "new": "2026-03-02T10:00:00+00:00"}},
    ) == ["Authorised at: (none) → 2 Mar 2026, 10:00"]
    assert lines(
        EventType.CHANGE_REJECTED,
        change,
        {"state": {"old": "authorise", "new": "rejected"}},
        {"note": "No tested back-out"},
    ) == ["State: Authorise → Rejected", "Note: No tested back-out"]
    assert lines(
        EventType.CHANGE_REVIEWED, change, {"objectives_met": {"old": None, "new": False}}
    ) == ["Objectives met: (none) → No"]
    # The move that starts the work early carries the flag: one event, both changes.
    assert lines(
        EventType.CHANGE_STATE_CHANGED,
        change,
        {
            "state": {"old": "scheduled", "new": "implement"},
            "unauthorised": {"old": False, "new": True},
        },
    ) == ["State: Scheduled → Implement", "Unauthorised: No → Yes"]
    incident = make_incident(requester)
    url = incident.get_absolute_url()
    for event_type, status, now in (
        (EventType.CAUSED_INCIDENT_PROPOSED, "proposed", "Proposed"),
        (EventType.CAUSED_INCIDENT_DECIDED, "dismissed", "Dismissed"),
    ):
        assert lines(
            event_type,
            change,
            data={"incident": incident.number, "status": status, "reason": "Own laptop"},
        ) == [f"Incident: {incident.number} <{url}>", f"Now: {now}", "Why: Own laptop"]
    comment = change_services.do_add_change_comment(change, "Window agreed", actor=agent)
    (commented,) = present(timeline_for(change)[:1], requester)
    assert commented.event_type == EventType.CHANGE_COMMENTED
    assert lines_of(commented) == [
        f"Comment: “Window agreed” <{change.get_absolute_url()}#comment-{comment.pk}>"
    ]
    change_services.do_add_change_comment(change, "Vendor call", actor=agent, is_work_note=True)
    (note,) = present(timeline_for(change)[:1], requester)
    assert note.event_type == EventType.CHANGE_WORK_NOTE_ADDED
    assert lines_of(note)[0].startswith("Work note: work note #")
    upload = SimpleUploadedFile("plan.pdf", b"x" * 1024, content_type="application/pdf")
    attachment = change_services.do_add_change_attachment(change, upload, actor=agent)
    (attached,) = present(timeline_for(change)[:1], agent)
    assert attached.event_type == EventType.CHANGE_ATTACHMENT_ADDED
    assert lines_of(attached) == [
        f"File: plan.pdf <{attachment.get_absolute_url()}>",
        "Size: 1.0\xa0KB",
    ]
    assert lines(
        EventType.CHANGE_WORK_DETECTED,
        change,
        data={
            "ci": "sw1",
            "seen_at": "2026-03-02T10:30:00+00:00",
            "source": "discovery",
            "what": "Firmware 9.3",
        },
    ) == [
        "Configuration item: sw1",
        "Seen: 2 Mar 2026, 10:30",
        "Seen by: discovery",
        "What: Firmware 9.3",
    ]
    category = ChangeCategory.objects.create(name="Network")
    assert lines(
        EventType.CHANGE_CATEGORY_CREATED, category, {"name": {"old": None, "new": "Network"}}
    ) == ["Name: Network"]
    assert lines(
        EventType.CHANGE_CATEGORY_UPDATED, category, {"is_active": {"old": True, "new": False}}
    ) == ["Is active: Yes → No"]
    template = approved_template(agent, change_manager)
    (decided, proposed) = present(timeline_for(template)[:2], agent)
    assert proposed.event_type == EventType.CHANGE_TEMPLATE_PROPOSED and proposed.is_creation
    assert "Name: Restart the web tier" in lines_of(proposed) and "Version: 1" in lines_of(proposed)
    assert decided.event_type == EventType.CHANGE_TEMPLATE_DECIDED
    assert lines_of(decided) == ["Status: Proposed → Approved"]
    assert lines(
        EventType.CHANGE_TEMPLATE_RETIRED,
        template,
        {"status": {"old": "approved", "new": "retired"}},
        {"reason": "Replaced by automation"},
    ) == ["Status: Approved → Retired", "Reason: Replaced by automation"]


# -- SLA -------------------------------------------------------------------------------------


def test_sla_events(requester):
    calendar = make_calendar()
    definition = make_definition(calendar)
    assert lines(
        EventType.CALENDAR_CREATED, calendar, {"name": {"old": None, "new": "UK hours"}}
    ) == ["Name: UK hours"]
    assert lines(
        EventType.CALENDAR_UPDATED,
        calendar,
        {"time_zone": {"old": "Europe/London", "new": "Europe/Dublin"}},
        {"remeasure_since": "2026-03-01T00:00:00+00:00"},
    ) == [
        "Time zone: Europe/London → Europe/Dublin",
        "History re-measured since: 1 Mar 2026, 00:00",
    ]
    assert lines(
        EventType.SLA_DEFINITION_CREATED, definition, {"name": {"old": None, "new": "P1"}}
    ) == ["Name: P1"]
    assert lines(
        EventType.SLA_DEFINITION_UPDATED,
        definition,
        {"name": {"old": "P1", "new": "P1 resolution"}},
    ) == ["Name: P1 → P1 resolution"]
    incident = make_incident(requester)
    clock = {"definition": {"id": definition.pk, "repr": "P1 resolution"}, "kind": "resolution"}
    assert lines(EventType.SLA_CLOCK_WARNING, incident, data={**clock, "percent": 75}) == [
        "SLA: P1 resolution",
        "Clock: Resolution",
        "Threshold reached: 75 % of the target",
    ]
    assert lines(
        EventType.SLA_CLOCK_BREACHED,
        incident,
        data={**clock, "breach_at": "2026-03-06T13:05:09+00:00"},
    ) == ["SLA: P1 resolution", "Clock: Resolution", "Breached at: 6 Mar 2026, 13:05"]
    assert lines(EventType.SLA_ESCALATED, incident, data={**clock, "percent": 100}) == [
        "SLA: P1 resolution",
        "Clock: Resolution",
        "Threshold reached: 100 % of the target",
    ]
    run = RecomputeRun.objects.create(started_at=timezone.now())
    assert lines(
        EventType.SLA_RECOMPUTED,
        run,
        data={
            "since": "2026-03-01T00:00:00+00:00",
            "reason": "UK hours changed",
            "tickets": 40,
            "settled_tickets": 12,
            "full": False,
            "clocks": 80,
            "changed_clocks": 3,
        },
    ) == [
        "Since: 1 Mar 2026, 00:00",
        "Why: UK hours changed",
        "Tickets: 40",
        "Settled tickets re-measured: 12",
        "Every ticket re-measured: No",
        "Clocks: 80",
        "Clocks changed: 3",
    ]


# -- KPIs, imports ---------------------------------------------------------------------------


def test_kpi_and_import_events(agent):
    custom = make_custom_kpi()
    assert lines(EventType.CUSTOM_KPI_CREATED, custom, {"unit": {"old": None, "new": "hours"}}) == [
        "Unit: hours"
    ]
    assert lines(
        EventType.CUSTOM_KPI_UPDATED,
        custom,
        {
            "active": {"old": True, "new": False},
            "filters": {"old": [], "new": [{"column": "priority", "operator": "le", "value": 2}]},
        },
    ) == ["Rows where: (none) → priority le 2", "Active: Yes → No"]
    run = MeasurementRun.objects.create(started_at=timezone.now())
    assert lines(
        EventType.MEASUREMENTS_COLLECTED,
        run,
        data={
            "kpis": 2,
            "period_kinds": ["month", "week"],
            "breakdowns": ["service", "ci"],
            "start": "2026-01-01",
            "end": "2026-03-31",
            "measurements": 96,
            "synced_event_id": 4410,
            "not_measurable": ["incident.opened", "no.such_kpi"],
        },
        reader=agent,
    ) == [
        "KPIs collected: 2",
        "Periods: Month, Week",
        "Breakdowns: Service, Configuration item",
        "From: 1 Jan 2026",
        "Until: 31 Mar 2026",
        "Measurements written: 96",
        "Not measurable: Incidents opened, no.such_kpi",
        "Figures read every recorded change up to audit trail entry: 4410",
    ]
    upload = ExternalUpload.objects.create(channel="csv", kpi_key="incident.opened")
    assert lines(
        EventType.EXTERNAL_POINTS_RECORDED,
        upload,
        data={
            "kpi": "incident.opened",
            "channel": "csv",
            "filename": "points.csv",
            "recorded": 10,
            "replayed": 0,
            "rejected": 1,
        },
        reader=agent,
    ) == [
        "KPI: Incidents opened <" + "/kpis/incident.opened/>",
        "Through: CSV upload",
        "File: points.csv",
        "Points recorded: 10",
        "Already recorded (replayed): 0",
        "Rows rejected: 1",
    ]
    imported = ImportRun.objects.create(kind="tickets", source_name="tickets.csv")
    assert lines(
        EventType.IMPORT_RUN_FINISHED,
        imported,
        data={
            "rows_read": 3,
            "rows_rejected": 1,
            "records_created": 2,
            "records_already_present": 0,
            "records_refused": 0,
            "events_written": 5,
            "problems_by_reason": {"priority: not a priority": 1},
            "seconds": 0.42,
        },
    ) == [
        "Rows read: 3",
        "Rows rejected: 1",
        "Records created: 2",
        "Already present: 0",
        "Records refused: 0",
        "History events written: 5",
        "Problems (rows by reason): priority: not a priority: 1",
        "Took: 0.42 s",
    ]


# -- continual improvement -------------------------------------------------------------------


def test_goal_and_initiative_events(agent):
    goal = make_goal()
    initiative = make_initiative(owner=agent)
    next_one = make_initiative(owner=agent, title="Faster again")
    assert lines(EventType.GOAL_CREATED, goal, {"level": {"old": None, "new": "operational"}}) == [
        "Level: Operational goal"
    ]
    factor = goal.success_factors.create(title="Enough agents on shift")
    assert lines(
        EventType.GOAL_UPDATED,
        goal,
        data={
            "goal_kpi": 7,
            "kpi_attached": "incident.opened",
            "target": 120.0,
            "success_factor": factor.pk,
        },
    ) == ["KPI attached: Incidents opened", "Success factor: Enough agents on shift", "Target: 120"]
    assert lines(
        EventType.INITIATIVE_CREATED, initiative, {"priority": {"old": None, "new": 2}}
    ) == ["Priority: 2 - High"]
    assert lines(
        EventType.INITIATIVE_UPDATED,
        initiative,
        {"status": {"old": "active", "new": "evaluating"}},
        {"reason": "every action is done or cancelled", "cause": "action 3 updated"},
    ) == ["Status: Active → Evaluating", "Why: every action is done or cancelled"]
    assert lines(
        EventType.INITIATIVE_STEP_CHANGED,
        initiative,
        {"current_step": {"old": 2, "new": 3}},
        {"from": 2, "to": 3, "missing": ["a data assessment"], "override_reason": "known gap"},
    ) == [
        "Current step: What we can measure → Gather the data",
        "Missing at the gate: a data assessment",
        "Passed anyway because: known gap",
    ]
    assert lines(
        EventType.CYCLE_OPENED,
        initiative,
        data={"next": next_one.pk, "cycle": 2},
        reader=agent,
    ) == [f"Next cycle: {next_one} <{next_one.get_absolute_url()}>", "Cycle: 2"]
    assert lines(
        EventType.DECISION_RECORDED,
        initiative,
        {"current_step": {"old": 6, "new": 7}},
        {"decision": 4, "kind": "implement", "rationale": "Worth it", "cycle": 1},
    ) == [
        "Current step: Present and use the information → Implement corrective actions",
        "Decision: Implement corrective actions",
        "Rationale: Worth it",
        "Cycle: 1",
    ]
    assert lines(EventType.REPORT_SHARED, initiative, data={"shared": True}) == []
    assert lines(EventType.REPORT_UNSHARED, initiative, data={"shared": False}) == []
    until = "2026-03-31T22:00:00+00:00"
    assert lines(
        EventType.REPORT_SHARED, initiative, data={"shared": True, "expires_at": until}
    ) == ["Link expires: 31 Mar 2026, 22:00"]
    assert lines(
        EventType.REPORT_SHARED,
        initiative,
        data={"shared": True, "expires_at": until, "replaced": True},
    ) == ["Link expires: 31 Mar 2026, 22:00", "Replaced the previous link: Yes"]
    assert lines(
        EventType.REPORT_UNSHARED, initiative, data={"shared": False, "expires_at": until}
    ) == ["Link expires: 31 Mar 2026, 22:00"]
    assert lines(
        EventType.ACTION_CREATED,
        initiative,
        {"title": {"old": None, "new": "Train the desk"}, "status": {"old": None, "new": "open"}},
        {"action": 9, "title": "Train the desk"},
    ) == ["Title: Train the desk", "Status: Open", "Action: Train the desk"]
    assert lines(
        EventType.ACTION_UPDATED,
        initiative,
        {"status": {"old": "done", "new": "in_progress"}},
        {"action": 9, "title": "Train the desk", "reopened": True},
    ) == ["Status: Done → In progress", "Action: Train the desk", "Reopened: Yes"]
    assert lines(
        EventType.ACTION_UPDATED,
        initiative,
        {"status": {"old": "open", "new": "in_progress"}},
        {"action": 9, "title": "Train the desk", "reopened": False},
    ) == ["Status: Open → In progress", "Action: Train the desk"]
    assert lines(
        EventType.EVALUATION_RECORDED,
        initiative,
        {"status": {"old": "evaluating", "new": "completed"}},
        {
            "evaluation": 3,
            "cycle": 1,
            "target_met": True,
            "window": ["2026-03-01", "2026-03-31"],
            "forced": False,
            "window_ends_on": "2026-03-31",
            "kpis": {"incident.opened": True, "incident.sla_met_pct": False},
            "analyses": [11, 12],
            "baselines": [5],
        },
    ) == [
        "Status: Evaluating → Completed: target met",
        "Cycle: 1",
        "Target met: Yes",
        "Evaluation window: 1 Mar 2026 – 31 Mar 2026",
        "The window was to end on: 31 Mar 2026",
        "KPIs: Incidents opened: met; Incidents resolved within SLA: not met",
    ]


def test_step_output_events(agent):
    initiative = make_initiative(owner=agent)
    kpi = {"initiative_kpi": 21, "kpi_key": "incident.sla_met_pct"}
    assert lines(
        EventType.INITIATIVE_KPI_ADDED,
        initiative,
        data={**kpi, "goal": None, "target": 95.0, "warning": 90.0, "measurable": True},
    ) == [
        "KPI: Incidents resolved within SLA",
        "Measurable now: Yes",
        "Target: 95",
        "Warning: 90",
    ]
    assert lines(
        EventType.INITIATIVE_KPI_UPDATED,
        initiative,
        {
            "breakdown": {"old": "category", "new": "ci"},
            "period_kind": {"old": "week", "new": "month"},
        },
        kpi,
    ) == [
        "Pareto by: Category → Configuration item",
        "Period kind: Week → Month",
        "KPI: Incidents resolved within SLA",
    ]
    assert lines(EventType.INITIATIVE_KPI_REMOVED, initiative, data=kpi) == [
        "KPI: Incidents resolved within SLA"
    ]
    gap = Gap.objects.create(
        initiative=initiative, kpi_key="incident.opened", code="field:resolved_at", description="x"
    )
    assert lines(
        EventType.ASSESSMENT_COMPUTED,
        initiative,
        data={
            "assessment": 2,
            "kpis": 2,
            "verdicts": {"incident.opened": "poor", "incident.sla_met_pct": "good"},
            "gaps": ["incident.opened:field:resolved_at", "incident.opened:small_samples"],
            "gaps_new": [gap.pk],
            "gaps_back": [],
            "gaps_gone": [],
            "range": ["2026-01-05", "2026-03-29"],
        },
    ) == [
        "KPIs assessed: 2",
        "Data quality: Incidents opened: poor; Incidents resolved within SLA: good",
        "Gaps: Incidents opened: resolved at mostly missing, Incidents opened: small samples",
        "New gaps: Incidents opened: resolved at mostly missing",
        "Data assessed: 5 Jan 2026 – 29 Mar 2026",
    ]
    assert lines(
        EventType.GAP_UPDATED,
        initiative,
        {"status": {"old": "open", "new": "accepted"}},
        {"gap": gap.pk, "kpi_key": "incident.opened", "code": "small_samples"},
    ) == [
        "Status: Open → Accepted (measure anyway)",
        "KPI: Incidents opened",
        "Gap: small samples",
    ]
    rule = {**kpi, "rule": 5, "kind": "cap", "column": "resolution_hours", "value": 500}
    assert lines(
        EventType.CLEANING_RULE_ADDED, initiative, data={**rule, "reason": "Test tickets"}
    ) == [
        "KPI: Incidents resolved within SLA",
        "Kind: Exclude rows where a column is above a stated value",
        "Column: resolution_hours",
        "Value: 500",
        "Reason: Test tickets",
    ]
    assert lines(EventType.CLEANING_RULE_REMOVED, initiative, data=rule)[1] == (
        "Kind: Exclude rows where a column is above a stated value"
    )
    assert lines(
        EventType.ANALYSIS_COMPUTED,
        initiative,
        data={
            **kpi,
            "analysis": 8,
            "purpose": "analysis",
            "range": ["2026-01-05", "2026-03-29"],
            "change_on": "2026-02-16",
            "rules": [],
            "actual": 87.54321,
            "status": "red",
            "before_after": "improved",
            "synced_event_id": 4410,
        },
    ) == [
        "KPI: Incidents resolved within SLA",
        "For: Analysis",
        "Range: 5 Jan 2026 – 29 Mar 2026",
        "Change on: 16 Feb 2026",
        "Latest value: 87.5432",
        "Status: Off target",
        "Before and after the change: improved",
        "Figures read every recorded change up to audit trail entry: 4410",
    ]
    assert lines(
        EventType.BASELINE_RECORDED,
        initiative,
        data={
            **kpi,
            "baseline": 3,
            "version": 2,
            "source": "adopted",
            "value": 91.5,
            "ci": [89.25, 93.75],
            "n": 12,
            "period": ["2026-01-05", "2026-03-29"],
            "analysis": 8,
        },
    ) == [
        "KPI: Incidents resolved within SLA",
        "Source: Adopted after a successful evaluation",
        "95 % confidence interval: 89.25 – 93.75",
        "Periods: 5 Jan 2026 – 29 Mar 2026",
        "Periods measured: 12",
        "Version: 2",
        "Value: 91.5",
    ]


def test_opportunity_events(agent):
    now = timezone.now()
    opportunity = Opportunity.objects.create(
        kind="recurring_incidents",
        fingerprint="x",
        title="Recurring incidents: 12 on Software › Mail",
        summary="12 incidents",
        strength=12.0,
        first_seen_at=now,
        last_seen_at=now,
    )
    initiative = make_initiative(owner=agent)
    assert lines(
        EventType.OPPORTUNITY_DETECTED,
        opportunity,
        data={
            "kind": "recurring_incidents",
            "kpi": "incident.opened",
            "dimension": "category,subcategory",
            "value": "Software / Software › Mail",
            "strength": 12.0,
        },
    ) == [
        "KPI: Incidents opened",
        "Breakdown: Category and subcategory",
        "Where: Software / Software › Mail",
        "Kind: Recurring incidents without a problem",
        "Strength: 12",
    ]
    assert lines(
        EventType.OPPORTUNITY_UPDATED,
        opportunity,
        {"status": {"old": "open", "new": "started"}},
        {"initiative": initiative.pk, "started": True},
    ) == ["Status: Open → Initiative started", f"Initiative: {initiative}"]
    assert lines(
        EventType.OPPORTUNITY_DISMISSED,
        opportunity,
        {
            "status": {"old": "open", "new": "dismissed"},
            "dismissed_reason": {"old": "", "new": "Known"},
        },
    ) == ["Status: Open → Dismissed", "Dismissed reason: (none) → Known"]
    assert lines(
        EventType.OPPORTUNITY_REOPENED,
        opportunity,
        {"strength": {"old": 12.0, "new": 20.0}},
        {"dismissed_strength": 12.0, "new_strength": 20.0, "factor": 1.25},
    ) == [
        "Strength: 12 → 20",
        "Reopens above: 1.25 × the strength when dismissed",
        "Dismissed strength: 12",
    ]


def test_every_event_type_has_its_texts_tested():
    """Each event type is named in a test above, or in an app's own test_*event_texts.py,
    with its hand-written lines: a new event type without them fails here."""
    kaizen = Path(__file__).resolve().parents[2]
    files = [Path(__file__), *kaizen.glob("*/tests/test_*_event_texts.py")]
    named = {
        name for path in files for name in re.findall(r"EventType\.([A-Z_]+)", path.read_text())
    }
    assert {member.name for member in EventType} - named == set()
