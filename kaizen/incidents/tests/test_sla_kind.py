"""Incidents are the SLA app's first registered ticket kind, with today's clock rules."""

import pytest

from kaizen.incidents.models import OPEN_STATES, Incident, OnHoldReason
from kaizen.incidents.services import TRACKED_FIELDS
from kaizen.incidents.sla_kind import INCIDENT_KIND, escalate_incident
from kaizen.incidents.tests.helpers import make_incident
from kaizen.sla.engine import STANDARD_RULES
from kaizen.sla.kinds import DEFAULT_KIND, get_kind, kind_choices, kind_of, registered_kinds


def test_it_registers_incidents_as_the_default_kind():
    assert get_kind(DEFAULT_KIND) is INCIDENT_KIND
    assert INCIDENT_KIND.model is Incident
    assert INCIDENT_KIND in registered_kinds()
    assert ("incident", "Incident") in kind_choices()


@pytest.mark.django_db
def test_it_finds_the_kind_of_an_incident():
    assert kind_of(make_incident()) is INCIDENT_KIND


def test_its_rules_are_the_incident_clock_semantics():
    rules = INCIDENT_KIND.rules
    assert rules.open_states == {"new", "assigned", "in_progress", "on_hold"}
    assert set(INCIDENT_KIND.open_states) == {str(state) for state in OPEN_STATES}
    assert rules.on_hold_state == "on_hold"
    assert rules.stopped_states == {"resolved", "closed"}
    assert rules.cancelled_states == {"cancelled"}
    assert rules.first_response_field == "first_responded_at"
    assert rules.on_hold_reason_field == "on_hold_reason"
    assert rules.state_field == "state"
    assert rules == STANDARD_RULES  # the engine's default: what incidents always had


def test_it_offers_the_incident_on_hold_reasons_and_fields():
    assert INCIDENT_KIND.on_hold_reason_values == tuple(OnHoldReason.values)
    assert set(INCIDENT_KIND.match_fields) >= {"service", "offering", "priority", "channel"}
    assert INCIDENT_KIND.match_fields == TRACKED_FIELDS


def test_it_writes_back_and_escalates_through_the_incident():
    assert (INCIDENT_KIND.due_field, INCIDENT_KIND.sla_state_field) == ("sla_due_at", "sla_state")
    assert (INCIDENT_KIND.assignee_field, INCIDENT_KIND.group_field) == (
        "assignee",
        "assignment_group",
    )
    assert INCIDENT_KIND.escalate is escalate_incident
    assert INCIDENT_KIND.notification_name == "incident"  # the notification templates' name
