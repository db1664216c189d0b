"""Fulfilment tasks through their services: the transitions table walked, sequencing by
position, the request fulfilled or failed by its tasks, the response, the notifications and
the journal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.tracking import VersionConflict
from kaizen.notifications.models import Notification
from kaizen.people.models import UserKind
from kaizen.requests.models import FulfilmentTask, HoldReason, State, TaskState
from kaizen.requests.services.lifecycle import do_put_on_hold
from kaizen.requests.services.tasks import (
    TASK_TRANSITIONS,
    allowed_task_targets,
    do_add_task_note,
    do_assign_task,
    do_complete_task,
    do_fail_task,
    do_hold_task,
    do_resume_task,
    do_start_task,
    do_update_task,
    task_notes,
)
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def people():
    ada, bob = make_user("ada"), make_user("bob")
    stores = make_team("Stores", members=[ada])
    desk = make_team("Desk", members=[bob])
    return ada, bob, stores, desk


def ordered(stores, desk, *, parallel: bool = False):
    """Take from stock (stores) then image it (desk), and label it (desk) at position 2, or
    both first tasks in parallel."""
    request_type = make_request_type(
        tasks=[
            {"position": 1, "title": "Take from stock", "team": stores.pk},
            {"position": 1 if parallel else 2, "title": "Image it", "team": desk.pk},
            {"position": 3, "title": "Hand it over", "team": desk.pk},
        ]
    )
    request = make_request(request_type, make_user(kind=UserKind.REQUESTER), at=AT)
    return request, list(request.tasks.order_by("position", "id"))


def events_of(record) -> list[str]:
    return list(JournalEvent.objects.for_subject(record).values_list("event_type", flat=True))


def fresh(task: FulfilmentTask) -> FulfilmentTask:
    return FulfilmentTask.objects.select_related("request", "assignment_group").get(pk=task.pk)


def test_it_walks_a_request_through_its_tasks_in_sequence(people):
    ada, bob, stores, desk = people
    request, (stock, image, hand_over) = ordered(stores, desk)
    assert [t.state for t in (stock, image, hand_over)] == ["open", "waiting", "waiting"]
    assert (stock.ready_at, image.ready_at) == (AT, None)
    do_start_task(stock, actor=ada, at=AT + HOUR)
    stock = fresh(stock)
    assert (stock.state, stock.started_at, stock.assignee) == ("in_progress", AT + HOUR, ada)
    request.refresh_from_db()
    assert request.responded_at == AT + HOUR  # the first task started answers the request
    do_complete_task(stock, actor=ada, note="Serial 123", at=AT + 2 * HOUR)
    stock, image, hand_over = fresh(stock), fresh(image), fresh(hand_over)
    assert (stock.state, stock.finished_at, stock.outcome_note) == (
        "done",
        AT + 2 * HOUR,
        "Serial 123",
    )
    assert (image.state, image.ready_at) == ("open", AT + 2 * HOUR)
    assert hand_over.state == "waiting"
    do_start_task(image, actor=bob, at=AT + 3 * HOUR)
    do_complete_task(fresh(image), actor=bob, at=AT + 4 * HOUR)
    request.refresh_from_db()
    assert request.state == State.IN_FULFILMENT
    assert request.responded_at == AT + HOUR  # kept: only the first start responds
    do_complete_task(fresh(hand_over), actor=bob, at=AT + 5 * HOUR)
    hand_over = fresh(hand_over)
    # Completed straight from open: it was started and finished at that moment.
    assert (hand_over.started_at, hand_over.finished_at) == (AT + 5 * HOUR, AT + 5 * HOUR)
    request.refresh_from_db()
    assert (request.state, request.fulfilled_at) == (State.FULFILLED, AT + 5 * HOUR)
    assert events_of(image) == [
        EventType.REQUEST_TASK_CREATED,
        EventType.REQUEST_TASK_STATE_CHANGED,  # open
        EventType.REQUEST_TASK_STATE_CHANGED,  # in progress
        EventType.REQUEST_TASK_STATE_CHANGED,  # done
    ]
    opened = JournalEvent.objects.for_subject(image).order_by("id")[1]
    assert opened.data == {"from": "waiting", "to": "open"}
    assert opened.changes["ready_at"]["new"].startswith("2026-03-02T11:00")


def test_parallel_tasks_all_open_and_the_next_position_waits_for_both(people):
    ada, bob, stores, desk = people
    request, (stock, image, hand_over) = ordered(stores, desk, parallel=True)
    assert [t.state for t in (stock, image, hand_over)] == ["open", "open", "waiting"]
    do_complete_task(stock, actor=ada, at=AT + HOUR)
    assert fresh(hand_over).state == "waiting"  # the image is not done yet
    do_complete_task(fresh(image), actor=bob, at=AT + 2 * HOUR)
    assert (fresh(hand_over).state, fresh(hand_over).ready_at) == ("open", AT + 2 * HOUR)


def test_the_team_hears_when_its_task_becomes_open(people):
    ada, bob, stores, desk = people
    request, (stock, image, _) = ordered(stores, desk)
    queued = Notification.objects.filter(category="request_task_queued")
    assert list(queued.values_list("recipient__username", flat=True)) == ["ada"]
    mail = queued.get()
    assert stock.number in mail.subject and "Stores" in mail.subject
    assert stock.get_absolute_url() in mail.text
    do_complete_task(stock, actor=ada, at=AT + HOUR)
    assert queued.filter(recipient=bob).count() == 1


def test_a_failed_task_fails_the_request_with_its_reason_and_cancels_the_others(people):
    ada, bob, stores, desk = people
    request, (stock, image, hand_over) = ordered(stores, desk, parallel=True)
    do_start_task(stock, actor=ada, at=AT + HOUR)
    with pytest.raises(ValidationError) as refused:
        do_fail_task(fresh(stock), "  ", actor=ada)
    assert refused.value.message_dict == {"reason": ["say why it cannot be done"]}
    do_fail_task(fresh(stock), "Out of stock until May", actor=ada, at=AT + 2 * HOUR)
    request.refresh_from_db()
    assert request.state == State.FAILED
    assert request.failure_reason == "Take from stock: Out of stock until May"
    assert request.failed_at == AT + 2 * HOUR
    assert [fresh(t).state for t in (stock, image, hand_over)] == [
        "failed",
        "cancelled",
        "cancelled",
    ]
    with pytest.raises(Conflict):
        do_start_task(fresh(image), actor=bob)


def test_it_holds_and_resumes_a_task_for_a_known_reason(people):
    ada, _, stores, desk = people
    _, (stock, _, _) = ordered(stores, desk)
    do_start_task(stock, actor=ada, at=AT)
    with pytest.raises(ValidationError) as refused:
        do_hold_task(fresh(stock), "lunch", actor=ada)
    assert "hold_reason" in refused.value.message_dict
    do_hold_task(fresh(stock), HoldReason.AWAITING_SUPPLIER, actor=ada, at=AT + HOUR)
    assert (fresh(stock).state, fresh(stock).hold_reason) == ("on_hold", "awaiting_supplier")
    do_resume_task(fresh(stock), actor=ada, at=AT + 2 * HOUR)
    assert (fresh(stock).state, fresh(stock).hold_reason) == ("in_progress", "")
    with pytest.raises(Conflict):
        do_resume_task(fresh(stock), actor=ada)


def test_the_last_task_done_fulfils_a_request_held_meanwhile(people):
    ada, bob, stores, desk = people
    request_type = make_request_type(tasks=[{"title": "Do it", "team": stores.pk}])
    request = make_request(request_type, make_user(), at=AT)
    (task,) = request.tasks.all()
    do_put_on_hold(request, HoldReason.AWAITING_STOCK, actor=ada, at=AT + HOUR)
    do_complete_task(fresh(task), actor=ada, at=AT + 2 * HOUR)
    request.refresh_from_db()
    assert (request.state, request.fulfilled_at) == (State.FULFILLED, AT + 2 * HOUR)


def test_an_assignee_must_be_a_member_of_the_team(people):
    ada, bob, stores, desk = people
    _, (stock, _, _) = ordered(stores, desk)
    with pytest.raises(ValidationError) as refused:
        do_assign_task(stock, actor=ada, expected_version=1, assignment_group=stores, assignee=bob)
    assert refused.value.message_dict == {"assignee": ["Bob is not a member of Stores"]}
    do_assign_task(stock, actor=ada, expected_version=1, assignment_group=desk, assignee=bob)
    stock = fresh(stock)
    assert (stock.assignment_group, stock.assignee, stock.version) == (desk, bob, 2)
    event = JournalEvent.objects.for_subject(stock).latest("id")
    assert event.event_type == EventType.REQUEST_TASK_UPDATED
    assert set(event.changes) == {"assignment_group", "assignee"}
    # Moved to another team while open: that team is told.
    assert Notification.objects.filter(category="request_task_queued", recipient=bob).count() == 1
    with pytest.raises(VersionConflict):
        do_update_task(stock, actor=ada, expected_version=1, assignee=None)


def test_work_notes_are_journal_events_of_the_task(people):
    ada, _, stores, desk = people
    _, (stock, _, _) = ordered(stores, desk)
    with pytest.raises(ValidationError) as refused:
        do_add_task_note(stock, " ", actor=ada)
    assert refused.value.message_dict == {"note": ["write the note"]}
    do_add_task_note(stock, "Called the supplier", actor=ada, at=AT + HOUR)
    (note,) = task_notes(stock)
    assert (note.data, note.actor, note.occurred_at) == (
        {"note": "Called the supplier"},
        ada,
        AT + HOUR,
    )
    assert fresh(stock).version == 1  # a note is not an edit


def _task_in(state: TaskState, stores, desk) -> FulfilmentTask:
    """A task of a fresh request, walked to `state` through the services."""
    _, (stock, image, _) = ordered(stores, desk)
    if state == TaskState.WAITING:
        return image
    actor = stores.members.get()
    if state in (TaskState.IN_PROGRESS, TaskState.ON_HOLD):
        do_start_task(stock, actor=actor)
    if state == TaskState.ON_HOLD:
        do_hold_task(fresh(stock), HoldReason.AWAITING_REQUESTER, actor=actor)
    if state == TaskState.DONE:
        do_complete_task(stock, actor=actor)
    if state == TaskState.FAILED:
        do_fail_task(stock, "no", actor=actor)
    if state == TaskState.CANCELLED:
        return fresh(image)  # cancelled with the failed request below
    return fresh(stock)


MOVES = {
    TaskState.IN_PROGRESS: lambda task, actor: do_start_task(task, actor=actor),
    TaskState.ON_HOLD: lambda task, actor: do_hold_task(
        task, HoldReason.AWAITING_REQUESTER, actor=actor
    ),
    TaskState.DONE: lambda task, actor: do_complete_task(task, actor=actor),
    TaskState.FAILED: lambda task, actor: do_fail_task(task, "cannot", actor=actor),
}


@pytest.mark.parametrize("source", list(TaskState))
def test_every_move_a_person_makes_follows_the_table(people, source):
    """From each state, each move people make (start, hold, complete, fail) succeeds exactly
    when TASK_TRANSITIONS lists it."""
    ada, _, stores, desk = people
    for target, move in MOVES.items():
        if source == TaskState.CANCELLED:
            task = _task_in(TaskState.FAILED, stores, desk)
            task = FulfilmentTask.objects.filter(
                request=task.request, state=TaskState.CANCELLED
            ).first()
        else:
            task = _task_in(source, stores, desk)
        assert task.state == source
        allowed = target in TASK_TRANSITIONS[source]
        assert (target in allowed_task_targets(task)) == allowed
        if allowed:
            move(task, ada)
            assert fresh(task).state == target
        else:
            with pytest.raises(Conflict):
                move(task, ada)
            assert fresh(task).state == source


def test_the_journal_alone_rebuilds_the_tasks_and_their_request(people):
    """`kaizen journal verify` folds every task and request event and finds the rows."""
    from kaizen.journal.verify import registered, verify_kind

    ada, bob, stores, desk = people
    request, (stock, image, hand_over) = ordered(stores, desk)
    do_assign_task(stock, actor=ada, expected_version=None, assignment_group=stores, assignee=ada)
    do_start_task(fresh(stock), actor=ada)
    do_hold_task(fresh(stock), HoldReason.AWAITING_STOCK, actor=ada)
    do_add_task_note(fresh(stock), "Ordered", actor=ada)
    do_resume_task(fresh(stock), actor=ada)
    do_complete_task(fresh(stock), actor=ada, note="ok")
    do_fail_task(fresh(image), "broken", actor=bob)
    kinds = {kind.name: kind for kind in registered()}
    for name in ("requests.task", "requests.request"):
        report = verify_kind(kinds[name])
        assert report.mismatches == [], name
        assert report.records >= 1
