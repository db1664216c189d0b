"""Changing what an incident on hold waits for: its own event, no move, no response."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.services import imported as services_imported
from kaizen.incidents.services.imported import ImportedIncident, ImportedStep
from kaizen.incidents.tests.helpers import events_of, last_event, make_incident, move
from kaizen.journal.events import EventType

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def on_hold_for_vendor(**fields) -> Incident:
    return move(make_incident(at=T0, **fields), "on_hold", on_hold_reason="awaiting_vendor", at=T0)


def test_it_changes_the_reason_alone_and_journals_it_as_its_own_event(agent):
    incident = on_hold_for_vendor()
    at = T0 + dt.timedelta(hours=3)
    changed = services.do_change_incident_on_hold_reason(
        incident, "awaiting_caller", actor=agent, expected_version=incident.version, at=at
    )
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.state, stored.on_hold_reason) == ("on_hold", "awaiting_caller")
    assert (stored.version, stored.updated_at) == (3, at)  # opened 1, held 2, changed 3
    assert changed.on_hold_reason == incident.on_hold_reason == "awaiting_caller"
    event = last_event(incident)
    assert event.event_type == EventType.INCIDENT_ON_HOLD_REASON_CHANGED
    assert event.get_event_type_display() == "On-hold reason changed"
    assert event.changes == {"on_hold_reason": {"old": "awaiting_vendor", "new": "awaiting_caller"}}
    assert (event.actor, event.occurred_at) == (agent, at)


def test_it_is_neither_a_response_nor_a_move(agent):
    incident = on_hold_for_vendor()
    incident = services.do_change_incident_on_hold_reason(
        incident, "awaiting_caller", actor=agent, expected_version=None
    )
    incident = services.do_change_incident_on_hold_reason(
        incident, "awaiting_problem", actor=agent, expected_version=None
    )
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.first_responded_at is None
    assert stored.state == "on_hold"
    assert [event.event_type for event in events_of(incident)] == [
        EventType.INCIDENT_CREATED,
        EventType.INCIDENT_STATE_CHANGED,
        EventType.INCIDENT_ON_HOLD_REASON_CHANGED,
        EventType.INCIDENT_ON_HOLD_REASON_CHANGED,
    ]


@pytest.mark.parametrize(
    ("states", "label"),
    [
        ([], "new"),
        (["in_progress"], "in progress"),
        (["resolved"], "resolved"),
        (["resolved", "closed"], "closed"),
        (["cancelled"], "cancelled"),
    ],
)
def test_it_refuses_an_incident_that_is_not_on_hold(states, label):
    incident = move(make_incident(), *states)
    events = len(events_of(incident))
    with pytest.raises(ValidationError) as caught:
        services.do_change_incident_on_hold_reason(
            incident, "awaiting_caller", actor=None, expected_version=None
        )
    assert caught.value.message_dict == {
        "on_hold_reason": [
            "only an incident that is on hold has a reason to change; "
            f"this one is {label} (put it on hold instead)"
        ]
    }
    assert Incident.objects.get(pk=incident.pk).on_hold_reason == ""
    assert len(events_of(incident)) == events


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("awaiting_vendor", "the incident is on hold for that reason already (awaiting vendor)"),
        ("awaiting_godot", "'awaiting_godot' is not a hold reason"),
        ("", "say what the incident is waiting for"),
    ],
)
def test_it_refuses_the_same_an_unknown_or_no_reason(reason, message):
    incident = on_hold_for_vendor()
    with pytest.raises(ValidationError) as caught:
        services.do_change_incident_on_hold_reason(
            incident, reason, actor=None, expected_version=None
        )
    assert caught.value.message_dict == {"on_hold_reason": [message]}
    assert Incident.objects.get(pk=incident.pk).version == 2


def test_it_refuses_a_stale_version(agent):
    incident = on_hold_for_vendor()
    read = incident.version
    services.do_change_incident_on_hold_reason(
        incident, "awaiting_problem", actor=agent, expected_version=read
    )
    with pytest.raises(services.ConflictError):
        services.do_change_incident_on_hold_reason(
            incident, "awaiting_caller", actor=agent, expected_version=read
        )
    assert Incident.objects.get(pk=incident.pk).on_hold_reason == "awaiting_problem"


def test_it_tells_the_caller_what_the_incident_now_waits_for(hooks, incident, agent):
    move(incident, "on_hold", on_hold_reason="awaiting_vendor", actor=agent)
    services.do_change_incident_on_hold_reason(
        incident, "awaiting_caller", actor=agent, expected_version=None
    )
    assert hooks["clocks"] == [incident.pk] * 3  # opened, put on hold, reason changed
    sent = hooks["notifications"][-1]
    assert (sent["template"], sent["recipients"], sent["category"]) == (
        "incident_updated",
        ["rita"],
        "incident_updates",
    )
    assert sent["context"]["incident"].on_hold_reason == "awaiting_caller"
    services.do_change_incident_on_hold_reason(
        incident, "awaiting_vendor", actor=agent, expected_version=None, notify=False
    )
    assert len(hooks["notifications"]) == 2


def test_the_bulk_change_reports_the_incidents_it_left(agent):
    held = [on_hold_for_vendor(), on_hold_for_vendor()]
    working = move(make_incident(), "in_progress")
    result = services.do_bulk_change_incident_on_hold_reason(
        [*held, working], "awaiting_caller", actor=agent, versions={held[1].pk: 1}
    )
    assert [incident.number for incident in result.done] == [held[0].number]
    failed = {incident.number: message for incident, message in result.failed}
    assert set(failed) == {held[1].number, working.number}
    assert failed[held[1].number].startswith(f"{held[1].number} was changed by")
    assert failed[working.number] == (
        "on hold reason: only an incident that is on hold has a reason to change; "
        "this one is in progress (put it on hold instead)"
    )
    reasons = dict(Incident.objects.values_list("number", "on_hold_reason"))
    assert (reasons[held[0].number], reasons[held[1].number]) == (
        "awaiting_caller",
        "awaiting_vendor",
    )


def test_an_imported_history_journals_a_change_of_reason_alone_as_a_reason_change():
    held = {"state": "on_hold", "on_hold_reason": "awaiting_vendor"}
    imported = ImportedIncident(
        number="INC0900001",
        opened_at=T0,
        values={"caller": "Carla Caller", "short_description": "Printer jammed"},
        steps=[
            ImportedStep(T0 + dt.timedelta(hours=1), "", held),
            ImportedStep(T0 + dt.timedelta(hours=2), "", {"on_hold_reason": "awaiting_caller"}),
            ImportedStep(
                T0 + dt.timedelta(hours=3), "", {"state": "in_progress", "on_hold_reason": ""}
            ),
        ],
    )
    services_imported.do_import_incidents([imported], source="test")
    incident = Incident.objects.get(number="INC0900001")
    assert [
        (event.event_type, event.changes.get("on_hold_reason")) for event in events_of(incident)[1:]
    ] == [
        (EventType.INCIDENT_STATE_CHANGED, {"old": "", "new": "awaiting_vendor"}),
        (
            EventType.INCIDENT_ON_HOLD_REASON_CHANGED,
            {"old": "awaiting_vendor", "new": "awaiting_caller"},
        ),
        (EventType.INCIDENT_STATE_CHANGED, {"old": "awaiting_caller", "new": ""}),
    ]
