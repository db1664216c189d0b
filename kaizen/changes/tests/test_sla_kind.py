"""Changes as an SLA ticket kind: an authorisation target (the response clock) and an
implementation target (the resolution clock) run live through the change services, in business
hours, from the submission; `kaizen sla recompute` rebuilds exactly the same clocks from the
journal; a rejected or cancelled change cancels its clocks."""

import pytest

from kaizen.changes import services
from kaizen.changes.models import State
from kaizen.changes.tests.factories import approved_template, move, raise_change
from kaizen.sla.clock_rows import DERIVED_FIELDS
from kaizen.sla.kinds import registered_kinds
from kaizen.sla.models import SLAClock
from kaizen.sla.services import do_create_sla_definition, do_recompute_clocks
from kaizen.sla.tests.helpers import freeze_sla_time, london, office_calendar

pytestmark = pytest.mark.django_db
NOW = "2026-03-13 12:00"  # a Friday
HOUR_US = 3600 * 10**6


def snapshot() -> list[tuple]:
    rows = SLAClock.objects.order_by("ticket_id", "definition_id", "sequence")
    return [tuple(getattr(row, name) for name in ("ticket_id", *DERIVED_FIELDS)) for row in rows]


@pytest.fixture
def targets(monkeypatch):
    freeze_sla_time(monkeypatch, NOW)
    calendar = office_calendar()
    common = {"calendar": calendar, "ticket_kind": "change"}
    return {
        "authorise": do_create_sla_definition(
            actor=None,
            name="Normal change authorised in 2 days",
            kind="response",
            target_minutes=16 * 60,
            conditions={"change_type": ["normal", "emergency"]},
            **common,
        ),
        "implement": do_create_sla_definition(
            actor=None,
            name="Change implemented in 5 days",
            kind="resolution",
            target_minutes=5 * 8 * 60,
            **common,
        ),
    }


def submitted_normal_change(actor):
    """Raised Monday 09:00 as a draft, submitted for assessment at 13:00, sent to the CAB on
    Tuesday 10:00; planned for Thursday 09:00-11:00."""
    change = raise_change(
        actor,
        at=london("2026-03-09 09:00"),
        planned_start=london("2026-03-12 09:00"),
        planned_end=london("2026-03-12 11:00"),
    )
    move(change, State.ASSESS, actor, london("2026-03-09 13:00"))
    move(change, State.AUTHORISE, actor, london("2026-03-10 10:00"))
    change.refresh_from_db()
    return change


def test_changes_are_a_registered_kind():
    kinds = {kind.key: kind for kind in registered_kinds()}
    assert kinds["change"].label == "Change"
    assert kinds["change"].rules.first_response_field == "authorised_at"
    assert kinds["change"].rules.cancelled_states == {"cancelled", "rejected"}


def test_clocks_count_from_submission_to_authorisation_and_to_the_work_done(
    targets, change_manager
):
    change = submitted_normal_change(change_manager)
    services.do_decide_authorisation(
        change, authorised=True, actor=change_manager, at=london("2026-03-11 11:00")
    )
    change.refresh_from_db()
    move(change, State.SCHEDULED, change_manager, london("2026-03-11 12:00"))
    move(change, State.IMPLEMENT, change_manager, london("2026-03-12 09:00"))
    move(change, State.REVIEW, change_manager, london("2026-03-12 11:00"))
    clocks = {clock.definition_id: clock for clock in change.sla_clocks.all()}
    authorisation = clocks[targets["authorise"].pk]
    implementation = clocks[targets["implement"].pk]
    # The draft's morning does not count. Authorised: Mon 13-17 (4 h) + Tue 9-17 (8 h) + Wed
    # 9-11 (2 h) = 14 of the 16 business hours.
    assert authorisation.elapsed_us == 14 * HOUR_US and not authorisation.breached
    assert authorisation.stopped_at == london("2026-03-11 11:00")
    # Done (Review) Thursday 11:00: Mon 4 h + Tue 8 h + Wed 8 h + Thu 2 h = 22 of 40.
    assert implementation.elapsed_us == 22 * HOUR_US and not implementation.breached
    assert implementation.stopped_at == london("2026-03-12 11:00")
    change.refresh_from_db()
    assert change.sla_state == "ok" and change.sla_due_at is None
    live = snapshot()
    SLAClock.objects.all().delete()
    do_recompute_clocks(actor=None, now=london(NOW), full=True)
    assert snapshot() == live


def test_a_change_waiting_for_the_cab_breaches_its_authorisation_target(targets, change_manager):
    change = submitted_normal_change(change_manager)
    change.refresh_from_db()
    # 16 business hours from Monday 13:00: Mon 4 + Tue 8 = 12, so Wednesday 13:00.
    assert change.sla_due_at == london("2026-03-11 13:00")
    do_recompute_clocks(actor=None, now=london(NOW), full=True)
    change.refresh_from_db()
    assert change.sla_state == "breached"


def test_a_rejected_change_has_its_clocks_cancelled(targets, change_manager):
    change = submitted_normal_change(change_manager)
    services.do_decide_authorisation(
        change, authorised=False, actor=change_manager, at=london("2026-03-10 15:00")
    )
    states = set(change.sla_clocks.values_list("state", flat=True))
    assert states == {"cancelled"}
    change.refresh_from_db()
    assert change.sla_due_at is None


def test_an_authorisation_target_for_normal_changes_leaves_standard_ones_alone(
    targets, agent, change_manager
):
    template = approved_template(agent, change_manager)
    change = raise_change(
        change_manager,
        at=london("2026-03-09 09:00"),
        change_type="standard",
        template=template,
        planned_start=london("2026-03-10 09:00"),
        planned_end=london("2026-03-10 10:00"),
    )
    move(change, State.SCHEDULED, change_manager, london("2026-03-09 10:00"))
    definitions = set(change.sla_clocks.values_list("definition_id", flat=True))
    assert definitions == {targets["implement"].pk}
