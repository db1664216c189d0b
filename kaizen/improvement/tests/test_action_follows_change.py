"""A corrective action carried out by a Kaizen change follows the change: in progress when it
is implemented, done when it closes successful, open again when it fails, is backed out,
cancelled or rejected. Another tool's change number stays a plain reference."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.changes import services as change_services
from kaizen.changes.tests.factories import authorised_normal_change, move, raise_change
from kaizen.improvement import services
from kaizen.improvement.models import ActionStatus, Status
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative, walk_to_step
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    add_kpi(initiative, target=15, warning=20)
    return walk_to_step(initiative, 7, actor=process_owner)


def action_for(initiative, owner, reference):
    return services.do_create_action(
        initiative,
        actor=None,
        title="Route VPN tickets to the network team",
        owner=owner,
        due_on=dt.date(2027, 1, 31),
        change_reference=reference,
    )


def close(change, agent, code, now):
    move(change, "review", agent, now - dt.timedelta(hours=3))
    change_services.do_record_review(
        change,
        objectives_met=True,
        lessons_learned="",
        actor=agent,
        expected_version=None,
        at=now - dt.timedelta(hours=2),
    )
    move(change, "closed", agent, now - dt.timedelta(hours=1), closure_code=code)


def test_the_action_is_done_when_its_change_closes_successful(initiative, agent):
    now = timezone.now()
    change = authorised_normal_change(agent)
    action = action_for(initiative, agent, change.number)
    assert action.change == change
    move(change, "scheduled", agent, now - dt.timedelta(days=1))
    move(change, "implement", agent, now - dt.timedelta(hours=5))
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    close(change, agent, "successful_with_issues", now)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.done_on == timezone.localdate(now - dt.timedelta(hours=1))
    # The last action done: the evaluation window opens, as when its owner marks it done.
    initiative.refresh_from_db()
    assert initiative.status == Status.EVALUATING
    update = JournalEvent.objects.filter(
        event_type=EventType.ACTION_UPDATED, data__action=action.pk
    ).latest("id")
    assert update.actor is None and update.changes["status"]["new"] == "done"


@pytest.mark.parametrize("outcome", ["failed", "backed_out"])
def test_a_failed_change_leaves_its_action_open(initiative, agent, outcome):
    now = timezone.now()
    change = authorised_normal_change(agent)
    action = action_for(initiative, agent, change.number)
    move(change, "scheduled", agent, now - dt.timedelta(days=1))
    move(change, "implement", agent, now - dt.timedelta(hours=5))
    close(change, agent, outcome, now)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and action.done_on is None


def test_a_cancelled_or_rejected_change_reopens_nothing_cancelled(initiative, agent):
    change = raise_change(agent)
    action = action_for(initiative, agent, change.number)
    services.do_update_action(action, actor=agent, status=ActionStatus.CANCELLED)
    move(change, "cancelled", agent, timezone.now(), closure_notes="Not needed")
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    other = raise_change(agent)
    second = action_for(initiative, agent, other.number)
    services.do_update_action(second, actor=agent, status=ActionStatus.IN_PROGRESS)
    move(other, "assess", agent, timezone.now())
    move(other, "authorise", agent, timezone.now())
    change_services.do_decide_authorisation(other, authorised=False, actor=None, note="No")
    second.refresh_from_db()
    assert second.status == ActionStatus.OPEN


def test_another_tools_number_stays_a_reference(initiative, agent):
    action = action_for(initiative, agent, "RFC-2211")
    assert action.change is None and action.change_reference == "RFC-2211"
    change = raise_change(agent)
    services.do_update_action(action, actor=agent, change_reference=change.number)
    action.refresh_from_db()
    assert action.change == change
