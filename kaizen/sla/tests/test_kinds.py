"""The ticket kind registry: kinds register, definitions apply only to tickets of their kind,
and the engine follows each kind's state rules."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.catalog.models import Service
from kaizen.incidents.tests.helpers import make_incident
from kaizen.sla import kinds
from kaizen.sla.engine import STANDARD_RULES, StateRules, TicketState, compute_clocks
from kaizen.sla.kinds import TicketKind, get_kind, kind_choices, on_hold_reason_choices
from kaizen.sla.models import SLAClock
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.targets import active_targets
from kaizen.sla.tests.helpers import (
    freeze_sla_time,
    london,
    office_calendar,
    priority_definitions,
)
from kaizen.sla.tests.test_engine import TARGETS, t

# A kind with states of its own, as a change or a request process might have.
WORK_RULES = StateRules(
    open_states=frozenset({"logged", "working", "waiting"}),
    on_hold_state="waiting",
    stopped_states=frozenset({"done"}),
    cancelled_states=frozenset({"withdrawn"}),
    first_response_field="acknowledged_at",
    on_hold_reason_field="waiting_for",
    state_field="status",
)
WORK = TicketKind(
    key="work_order",
    label="Work order",
    model=Service,  # any model not registered by another kind will do for these tests
    rules=WORK_RULES,
    match_fields=("priority",),
    on_hold_reasons=(("awaiting_parts", "Awaiting parts"), ("awaiting_caller", "Caller")),
)


@pytest.fixture
def work_kind():
    kinds.register_kind(WORK)
    yield WORK
    kinds._kinds.pop(WORK.key)


def test_it_registers_and_looks_up_kinds(work_kind):
    assert get_kind("work_order") is work_kind
    assert ("work_order", "Work order") in kind_choices()
    values = [value for value, _ in on_hold_reason_choices()]
    assert values.count("awaiting_caller") == 1  # each reason once, across kinds
    assert "awaiting_parts" in values
    with pytest.raises(LookupError):
        get_kind("nothing")


def test_the_engine_follows_a_kinds_own_states():
    # The same life as an incident's, in another kind's words, measures the same.
    at = t
    incident_life = [
        (at("2026-03-02 10:00"), {"state": "new", "priority": 2, "on_hold_reason": ""}),
        (at("2026-03-02 10:30"), {"state": "in_progress", "first_responded_at": "x"}),
        (at("2026-03-02 11:00"), {"state": "on_hold", "on_hold_reason": "awaiting_caller"}),
        (at("2026-03-02 13:00"), {"state": "in_progress"}),
        (at("2026-03-02 15:00"), {"state": "resolved"}),
    ]
    words = {"new": "logged", "in_progress": "working", "on_hold": "waiting", "resolved": "done"}
    names = {"state": "status", "first_responded_at": "acknowledged_at"}
    names["on_hold_reason"] = "waiting_for"

    def history(life, translate):
        fields: dict = {}
        states = []
        for when, changes in life:
            fields = {**fields, **dict(translate(k, v) for k, v in changes.items())}
            states.append(TicketState(when, fields))
        return states

    as_incident = history(incident_life, lambda k, v: (k, v))
    as_work = history(
        incident_life, lambda k, v: (names.get(k, k), words.get(v, v) if k == "state" else v)
    )
    now = at("2026-03-03 12:00")
    expected = compute_clocks(as_incident, TARGETS, now=now, rules=STANDARD_RULES)
    measured = compute_clocks(as_work, TARGETS, now=now, rules=WORK_RULES)
    assert [(c.kind, c.state, c.elapsed_us, c.due_at) for c in measured] == [
        (c.kind, c.state, c.elapsed_us, c.due_at) for c in expected
    ]
    assert {c.state for c in measured} == {"met"}


@pytest.mark.django_db
def test_a_definition_applies_only_to_tickets_of_its_kind(work_kind, monkeypatch):
    freeze_sla_time(monkeypatch, "2026-03-02 12:00")
    office = office_calendar()
    incident_definitions = priority_definitions(office)
    other = do_create_sla_definition(
        actor=None,
        name="Work orders, first",
        ticket_kind="work_order",
        kind="resolution",
        order=1,  # would win over the incident definitions if it applied to incidents
        target_minutes=60,
        calendar=office,
        pause_reasons=["awaiting_parts"],
    )
    assert [t.id for t in active_targets("work_order")] == [other.pk]
    assert other.pk not in {t.id for t in active_targets("incident")}
    incident = make_incident(impact=2, urgency=2, at=london("2026-03-02 09:00"))
    definitions = set(incident.sla_clocks.values_list("definition_id", flat=True))
    assert definitions == {
        incident_definitions["p3_response"].pk,
        incident_definitions["p3_resolution"].pk,
    }
    assert SLAClock.objects.filter(definition=other).count() == 0


@pytest.mark.django_db
def test_a_definition_names_a_registered_kind_and_its_reasons(work_kind):
    office = office_calendar()
    with pytest.raises(ValidationError) as error:
        do_create_sla_definition(
            actor=None,
            name="Nothing",
            ticket_kind="nothing",
            kind="resolution",
            target_minutes=60,
            calendar=office,
        )
    assert "ticket_kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        do_create_sla_definition(
            actor=None,
            name="Incidents awaiting parts",
            kind="resolution",
            target_minutes=60,
            calendar=office,
            pause_reasons=["awaiting_parts"],  # a work order's reason, not an incident's
        )
    assert "pause_reasons" in error.value.message_dict
