"""The change lifecycle through the services: each type's path, what each move needs and sets,
the journal, the version check."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.changes import services
from kaizen.changes.models import Change, ChangeType, Priority, Risk, State
from kaizen.changes.services.lifecycle import PATHS, TRANSITIONS
from kaizen.changes.tests.factories import (
    T0,
    approved_template,
    authorised_normal_change,
    move,
    raise_change,
)
from kaizen.incidents.models import Incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_service, make_team

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_raising_numbers_derives_priority_and_risk_and_journals_every_field(agent):
    service, ci = make_service(name="Mail"), make_ci(name="mail-gw-1")
    change = raise_change(
        agent,
        services_=[service],
        cis=[ci],
        impact=1,
        urgency=2,
        expected_outage=True,
        outage_minutes=30,
    )
    assert change.number == "CHG0000001"
    assert change.state == State.DRAFT
    assert change.requester == agent
    assert change.priority == Priority.HIGH
    assert change.risk == Risk.HIGH  # high impact
    event = JournalEvent.objects.for_subject(change).get()
    assert event.event_type == EventType.CHANGE_CREATED
    assert set(event.changes) == set(services.TRACKED_FIELDS)
    assert event.changes["services"]["new"] == [{"id": service.pk, "repr": "Mail"}]
    assert event.changes["configuration_items"]["new"] == [{"id": ci.pk, "repr": "mail-gw-1"}]


@pytest.mark.parametrize(
    ("fields", "risk"),
    [
        ({}, Risk.LOW),
        ({"expected_outage": True, "outage_minutes": 10}, Risk.MODERATE),
        ({"change_type": "emergency"}, Risk.HIGH),
        ({"impact": 1}, Risk.HIGH),
    ],
)
def test_stated_risk_rules_only_raise(agent, fields, risk):
    assert raise_change(agent, **fields).risk == risk


def test_normal_change_walks_its_path_with_authorisation(agent):
    change = raise_change(agent)
    move(change, "assess", agent, T0 + HOUR)
    assert change.submitted_at == T0 + HOUR
    move(change, "authorise", agent, T0 + 2 * HOUR)
    assert services.allowed_targets(change) == [State.CANCELLED]
    with pytest.raises(ValidationError, match="not authorised yet"):
        move(change, "scheduled", agent, T0 + 3 * HOUR)
    services.do_decide_authorisation(change, authorised=True, actor=agent, at=T0 + 4 * HOUR)
    assert services.allowed_targets(change) == [State.SCHEDULED, State.CANCELLED]
    move(change, "scheduled", agent, T0 + 5 * HOUR)
    move(change, "implement", agent, T0 + 6 * HOUR)
    assert change.actual_start == T0 + 6 * HOUR and not change.unauthorised
    move(change, "review", agent, T0 + 8 * HOUR)
    assert change.actual_end == T0 + 8 * HOUR
    with pytest.raises(ValidationError, match="post-implementation review"):
        move(change, "closed", agent, T0 + 9 * HOUR, closure_code="successful")
    services.do_record_review(
        change,
        objectives_met=True,
        lessons_learned="",
        actor=agent,
        expected_version=None,
        at=T0 + 9 * HOUR,
    )
    move(change, "closed", agent, T0 + 10 * HOUR, closure_code="successful")
    assert change.state == State.CLOSED and change.closed_at == T0 + 10 * HOUR
    types = list(
        JournalEvent.objects.for_subject(change).order_by("id").values_list("event_type", flat=True)
    )
    assert types == [
        EventType.CHANGE_CREATED,
        EventType.CHANGE_STATE_CHANGED,
        EventType.CHANGE_STATE_CHANGED,
        EventType.CHANGE_AUTHORISATION_REQUESTED,  # the approval round opens (approvals.py)
        EventType.CHANGE_AUTHORISED,
        EventType.CHANGE_RISK_ASSESSED,
        EventType.CHANGE_STATE_CHANGED,
        EventType.CHANGE_STATE_CHANGED,
        EventType.CHANGE_STATE_CHANGED,
        EventType.CHANGE_REVIEWED,
        EventType.CHANGE_STATE_CHANGED,
    ]
    with pytest.raises(ValidationError, match="final"):
        move(change, "review", agent, T0 + 11 * HOUR)


@pytest.mark.parametrize("change_type", list(ChangeType))
def test_transition_table_allows_only_the_path_backward_steps_and_cancel(change_type):
    table = TRANSITIONS[change_type]
    path = PATHS[change_type]
    for current, following in zip(path, path[1:], strict=False):
        assert following in table[current]
        assert State.CANCELLED in table[current]
    for final in (State.CLOSED, State.CANCELLED, State.REJECTED):
        assert table[final] == frozenset()
    for state, targets in table.items():
        assert State.REJECTED not in targets
        assert targets <= set(path) | {State.CANCELLED}
        if state not in path:
            assert not targets


def test_every_move_outside_the_table_is_refused_naming_both_states(agent):
    for change_type in ChangeType:
        table = TRANSITIONS[change_type]
        for target in State:
            if target in table[State.DRAFT] or target == State.REJECTED:
                continue
            fields = {"change_type": change_type}
            if change_type == ChangeType.STANDARD:
                continue  # raised from a template: covered below
            change = raise_change(agent, **fields)
            with pytest.raises(ValidationError) as refused:
                move(change, target, agent, T0 + HOUR)
            assert "draft cannot move to" in str(refused.value)


def test_standard_change_copies_its_template_and_skips_authorisation(agent, change_manager):
    template = approved_template(agent, change_manager)
    change = services.do_raise_change(
        actor=agent,
        at=T0,
        change_type="standard",
        template=template,
        title="Restart web",
        planned_start=T0 + HOUR,
        planned_end=T0 + 2 * HOUR,
    )
    assert change.implementation_plan == template.implementation_plan
    assert list(change.services.all()) == list(template.services.all())
    assert list(change.configuration_items.all()) == list(template.configuration_items.all())
    assert change.risk == template.risk
    assert services.allowed_targets(change) == [State.SCHEDULED, State.CANCELLED]
    move(change, "scheduled", agent, T0 + HOUR / 2)
    move(change, "implement", agent, T0 + HOUR)
    assert not change.unauthorised


def test_standard_change_needs_an_approved_template(agent, change_manager):
    with pytest.raises(ValidationError) as missing:
        services.do_raise_change(actor=agent, change_type="standard", title="x")
    assert "template" in missing.value.message_dict
    template = services.do_propose_template(
        actor=agent, name="Patch", implementation_plan="a", backout_plan="b"
    )
    with pytest.raises(ValidationError, match="proposed, not approved"):
        services.do_raise_change(actor=agent, change_type="standard", template=template, title="x")


def test_emergency_change_authorised_then_implemented_without_schedule(agent):
    change = raise_change(agent, change_type="emergency", planned_start=None, planned_end=None)
    move(change, "authorise", agent, T0 + HOUR)
    services.do_decide_authorisation(change, authorised=True, actor=None, at=T0 + 2 * HOUR)
    assert services.allowed_targets(change) == [State.IMPLEMENT, State.CANCELLED]
    move(change, "implement", agent, T0 + 3 * HOUR)
    assert change.state == State.IMPLEMENT


def test_rejection_is_final_and_says_why(agent):
    change = raise_change(agent)
    move(change, "assess", agent, T0 + HOUR)
    move(change, "authorise", agent, T0 + 2 * HOUR)
    services.do_decide_authorisation(
        change, authorised=False, actor=None, note="No back-out tested", at=T0 + 3 * HOUR
    )
    assert change.state == State.REJECTED and change.rejected_at == T0 + 3 * HOUR
    assert change.closure_notes == "No back-out tested"
    with pytest.raises(ValidationError, match="final"):
        move(change, "cancelled", agent, T0 + 4 * HOUR, closure_notes="x")


def test_submission_names_every_missing_field(agent):
    change = services.do_raise_change(actor=agent, title="Something")
    with pytest.raises(ValidationError) as refused:
        move(change, "assess", agent, T0)
    assert set(refused.value.message_dict) == {
        "description",
        "justification",
        "implementation_plan",
        "backout_plan",
        "services",
        "planned_start",
    }


def test_cancel_needs_a_reason(agent):
    change = raise_change(agent)
    with pytest.raises(ValidationError) as refused:
        move(change, "cancelled", agent, T0)
    assert "closure_notes" in refused.value.message_dict
    move(change, "cancelled", agent, T0, closure_notes="Vendor withdrew the release")
    assert change.state == State.CANCELLED and change.cancelled_at == T0


def test_implementation_started_before_authorisation_is_flagged(agent):
    change = authorised_normal_change(agent)  # authorised at T0 + 1 day
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    move(change, "implement", agent, T0 + dt.timedelta(days=2), actual=T0 + 12 * HOUR)
    assert change.unauthorised
    assert change.unauthorised_reason == "implementation started before the authorisation"


def test_plan_is_frozen_once_implementing(agent):
    change = authorised_normal_change(agent)
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    move(change, "implement", agent, T0 + dt.timedelta(days=7))
    with pytest.raises(ValidationError) as refused:
        services.do_update_change(
            change, actor=agent, expected_version=None, backout_plan="something else"
        )
    assert "backout_plan" in refused.value.message_dict
    services.do_update_change(change, actor=agent, expected_version=None, test_plan="Smoke test")


def test_update_checks_the_version_and_journals_only_what_changed(agent):
    change = raise_change(agent)
    stale = Change.objects.get(pk=change.pk)
    other = make_service(name="Payroll")
    services.do_update_change(
        change, actor=agent, expected_version=1, title="New title", services=[other]
    )
    assert change.version == 2
    event = JournalEvent.objects.for_subject(change).latest("id")
    assert set(event.changes) == {"title", "services"}
    assert event.changes["services"]["new"] == [{"id": other.pk, "repr": "Payroll"}]
    with pytest.raises(services.ConflictError, match="version 2, you had version 1"):
        services.do_update_change(stale, actor=agent, expected_version=1, description="x")


def test_implementer_must_belong_to_the_assignment_group(agent, change_manager):
    team = make_team("Network", members=[agent])
    with pytest.raises(ValidationError) as refused:
        raise_change(agent, assignment_group=team, implementer=change_manager)
    assert "implementer" in refused.value.message_dict
    assert raise_change(agent, assignment_group=team, implementer=agent).implementer == agent


def test_planned_window_and_outage_are_consistent(agent):
    with pytest.raises(ValidationError) as refused:
        raise_change(agent, planned_end=T0)
    assert "planned_end" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        raise_change(agent, expected_outage=True)
    assert "outage_minutes" in refused.value.message_dict


def test_caused_incidents_are_proposed_from_the_window_and_only_once(agent, requester, settings):
    from kaizen.changes.tasks import propose_caused_incidents
    from kaizen.incidents.tests.helpers import make_incident

    settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS = 24
    mail, vpn = make_service(slug="mail"), make_service(slug="vpn")
    gateway = make_ci(name="gw1")
    change = authorised_normal_change(agent, services_=[mail], cis=[gateway])
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    start = T0 + dt.timedelta(days=7)
    move(change, "implement", agent, start)
    end = start + 2 * HOUR

    def opened(hours_after_start, **fields):
        incident = make_incident(requester, **fields)
        Incident.objects.filter(pk=incident.pk).update(
            opened_at=start + dt.timedelta(hours=hours_after_start)
        )
        return incident.number

    before = opened(-1, service=mail)  # before the start: not caused by it
    on_service = opened(1, service=mail)
    on_ci = opened(20, configuration_item=gateway)
    elsewhere = opened(3, service=vpn)
    late = opened(2 + 24 + 1, service=mail)  # 25 h after the end: outside the window
    move(change, "review", agent, end)  # at the end: what was opened up to then
    proposed = set(change.caused_incidents.values_list("incident_number", flat=True))
    assert proposed == {on_service}
    # The hourly task looks again (now, long after the window): the CI's incident 18 h after
    # the end joins; nothing before the start, on another service, or past the window.
    assert propose_caused_incidents.call_local() == {"proposed": 1}
    proposed = set(change.caused_incidents.values_list("incident_number", flat=True))
    assert proposed == {on_service, on_ci}
    assert not proposed & {before, elsewhere, late}
    assert propose_caused_incidents.call_local() == {"proposed": 0}  # nothing twice
