"""Opening and editing incidents: numbers, derived priority, rules, complete journal changes,
optimistic locking."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.catalog import services as catalog_services
from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import events_of, last_event, make_incident, move
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def ref(record) -> dict:
    return {"id": record.pk, "repr": str(record)}


def test_it_numbers_incidents_in_sequence():
    numbers = [make_incident().number for _ in range(3)]
    assert numbers == ["INC0000001", "INC0000002", "INC0000003"]


def test_it_keeps_an_imported_number_and_skips_it_when_numbering(requester):
    imported = services.do_open_incident(
        actor=None, number="inc0000002", caller=requester, short_description="Imported"
    )
    assert imported.number == "INC0000002"
    assert [make_incident().number for _ in range(2)] == ["INC0000001", "INC0000003"]
    with pytest.raises(ValidationError) as caught:
        services.do_open_incident(
            actor=None, number="INC0000003", caller=requester, short_description="Again"
        )
    assert "number" in caught.value.error_dict


def test_it_journals_every_initial_field_when_opening(
    requester, agent, service_desk, email, mailbox
):
    category = services.do_create_category("Email", actor=None)
    subcategory = services.do_create_category("Delivery", actor=None, parent=category)
    ci = make_ci("mx-01", services=[email])
    incident = services.do_open_incident(
        actor=agent,
        at=T0,
        caller=requester,
        channel="email",
        service=email,
        offering=mailbox,
        configuration_item=ci,
        category=category,
        subcategory=subcategory,
        impact=1,
        urgency=2,
        short_description="Mail bounces",
        description="Every external mail bounces.",
        major_incident=True,
        assignment_group=service_desk,
        assignee=agent,
    )
    event = last_event(incident)
    assert event.event_type == "incidents.incident.created"
    assert event.actor == agent and event.occurred_at == T0
    new = {name: change["new"] for name, change in event.changes.items()}
    assert all(change["old"] is None for change in event.changes.values())
    assert new == {
        "number": "INC0000001",
        "caller": ref(requester),
        "opened_by": ref(agent),
        "channel": "email",
        "service": ref(email),
        "offering": ref(mailbox),
        "configuration_item": ref(ci),
        "location": None,
        "category": ref(category),
        "subcategory": ref(subcategory),
        "impact": 1,
        "urgency": 2,
        "priority": 2,
        "short_description": "Mail bounces",
        "description": "Every external mail bounces.",
        "assignment_group": ref(service_desk),
        "assignee": ref(agent),
        "major_incident": True,
        "state": "assigned",
        "on_hold_reason": "",
        "resolution_code": "",
        "resolution_notes": "",
        "opened_at": T0.isoformat(),
        "first_responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "cancelled_at": None,
        "reassignment_count": 0,
        "reopen_count": 0,
        "recorded_sla_met": None,
    }
    assert set(new) == set(services.TRACKED_FIELDS)
    assert (incident.opened_at, incident.updated_at, incident.version) == (T0, T0, 1)


def test_it_journals_exactly_the_changed_fields_with_old_and_new_values(incident, agent, email):
    payroll = make_service("Payroll")
    at = T0 + dt.timedelta(hours=1)
    updated = services.do_update_incident(
        incident,
        actor=agent,
        expected_version=1,
        at=at,
        impact=1,
        urgency=2,  # unchanged
        service=payroll,
        short_description="Outlook cannot connect",  # unchanged
    )
    assert updated.version == 2 and updated.priority == 2 and updated.updated_at == at
    event = last_event(incident)
    assert event.event_type == "incidents.incident.updated" and event.occurred_at == at
    assert event.changes == {
        "service": {"old": ref(email), "new": ref(payroll)},
        "impact": {"old": 2, "new": 1},
        "priority": {"old": 3, "new": 2},
    }


def test_it_writes_nothing_when_nothing_changes(incident):
    before = JournalEvent.objects.count()
    same = services.do_update_incident(
        incident, actor=None, expected_version=1, short_description=incident.short_description
    )
    assert same.version == 1 and JournalEvent.objects.count() == before


def test_it_refuses_a_stale_version_and_names_who_changed_it_when(incident, agent, requester):
    services.do_update_incident(
        incident, actor=agent, expected_version=1, at=T0, description="More details."
    )
    stale = Incident.objects.get(pk=incident.pk)
    stale.version = 1
    with pytest.raises(services.ConflictError) as caught:
        services.do_update_incident(stale, actor=requester, expected_version=1, urgency=1)
    message = str(caught.value)
    assert "INC0000001 was changed by Alan Agent at 02 Mar 2026 09:00 UTC" in message
    assert "version 2, you had version 1" in message
    assert caught.value.current_version == 2
    assert Incident.objects.get(pk=incident.pk).urgency == 2


def test_it_checks_the_version_in_every_versioned_service(incident, service_desk):
    services.do_update_incident(incident, actor=None, expected_version=1, urgency=1)
    calls = [
        lambda: services.do_update_incident(incident, actor=None, expected_version=1, impact=1),
        lambda: services.do_assign_incident(
            incident, assignment_group=service_desk, assignee=None, actor=None, expected_version=1
        ),
        lambda: services.do_change_incident_state(
            incident, "in_progress", actor=None, expected_version=1
        ),
    ]
    for call in calls:
        with pytest.raises(services.ConflictError):
            call()


@pytest.mark.parametrize(
    ("make_fields", "field", "message"),
    [
        (
            lambda s: {"offering": make_offering(make_service("VPN"))},
            "offering",
            "not an offering of Email",
        ),
        (lambda s: {"service": None, "offering": s["mailbox"]}, "offering", "choose the service"),
        (
            lambda s: {"offering": make_offering(s["email"], "Old", is_active=False)},
            "offering",
            "no longer offered",
        ),
        (
            lambda s: {"service": make_service("Lake", lifecycle="pipeline")},
            "service",
            "not a live service",
        ),
        (
            lambda s: {"configuration_item": make_ci("db-9")},
            "configuration_item",
            "does not support Email",
        ),
        (
            lambda s: {
                "configuration_item": make_ci("old-1", status="retired", services=[s["email"]])
            },
            "configuration_item",
            "retired",
        ),
        (lambda s: {"category": s["sub"]}, "category", "is a subcategory"),
        (lambda s: {"subcategory": s["sub"]}, "subcategory", "is not a subcategory of"),
        (lambda s: {"category": s["top"], "subcategory": s["top"]}, "subcategory", "is a category"),
        (lambda s: {"caller": make_user("gone", is_active=False)}, "caller", "not an active user"),
        (lambda s: {"caller": None}, "caller", "choose the caller"),
        (lambda s: {"impact": 4}, "impact", "not a valid choice"),
        (lambda s: {"short_description": ""}, "short_description", "cannot be blank"),
    ],
)
def test_it_names_the_field_that_breaks_a_rule(
    incident, email, mailbox, make_fields, field, message
):
    top = services.do_create_category("Network", actor=None)
    other = services.do_create_category("Hardware", actor=None)
    sub = services.do_create_category("Printer", actor=None, parent=other)
    fields = make_fields({"email": email, "mailbox": mailbox, "top": top, "sub": sub})
    with pytest.raises(ValidationError) as caught:
        services.do_update_incident(incident, actor=None, expected_version=None, **fields)
    assert field in caught.value.error_dict, caught.value
    assert message in " ".join(caught.value.message_dict[field])
    assert Incident.objects.get(pk=incident.pk).version == 1


def test_it_accepts_a_consistent_service_offering_ci_and_category(incident, email, mailbox):
    ci = make_ci("mx-01", services=[email])
    top = services.do_create_category("Email", actor=None)
    sub = services.do_create_category("Delivery", actor=None, parent=top)
    updated = services.do_update_incident(
        incident,
        actor=None,
        expected_version=1,
        offering=mailbox,
        configuration_item=ci,
        category=top,
        subcategory=sub,
    )
    assert (updated.offering, updated.configuration_item, updated.subcategory) == (mailbox, ci, sub)


def test_it_lets_an_incident_on_a_since_retired_service_be_worked(incident, email):
    catalog_services.do_change_service_lifecycle(email, "retired", actor=None)
    updated = services.do_update_incident(incident, actor=None, expected_version=1, urgency=1)
    assert updated.urgency == 1


def test_it_refuses_edits_of_closed_and_cancelled_incidents(incident):
    closed = move(incident, "resolved", "closed")
    with pytest.raises(ValidationError, match="closed: that is final"):
        services.do_update_incident(closed, actor=None, expected_version=None, urgency=1)
    cancelled = move(make_incident(), "cancelled")
    with pytest.raises(ValidationError, match="cancelled: that is final"):
        services.do_update_incident(cancelled, actor=None, expected_version=None, urgency=1)


def test_it_refuses_fields_the_update_does_not_expose(incident):
    with pytest.raises(ValueError, match="state"):
        services.do_update_incident(incident, actor=None, expected_version=None, state="closed")


def test_it_keeps_the_caller_object_in_step_with_the_saved_row(incident):
    services.do_update_incident(incident, actor=None, expected_version=1, urgency=1)
    assert (incident.urgency, incident.priority, incident.version) == (1, 2, 2)


def test_it_starts_assigned_when_opened_for_a_team_and_new_otherwise(requester, service_desk):
    team_only = make_incident(requester, assignment_group=service_desk)
    assert team_only.state == "assigned"
    assert make_incident(requester).state == "new"
    nobody = make_team("Empty")
    assert make_incident(requester, assignment_group=nobody).state == "assigned"


def test_it_never_writes_the_sla_columns(incident, hooks):
    """Only the SLA engine writes them (here stubbed, so nothing else could have)."""
    Incident.objects.filter(pk=incident.pk).update(sla_due_at=T0, sla_state="warning")
    stale = Incident.objects.get(pk=incident.pk)
    stale.sla_due_at, stale.sla_state = None, ""
    services.do_update_incident(stale, actor=None, expected_version=1, urgency=1)
    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.sla_due_at, saved.sla_state) == (T0, "warning")
    assert "sla_due_at" not in events_of(incident)[-1].changes
