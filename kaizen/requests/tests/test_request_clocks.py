"""A request's delivery and response clocks and its tasks' OLAs through the real SLA engine
(the live refresh after each service write), against times worked out by hand on a Mon-Fri
09:00-17:00 calendar (Europe/London, GMT in early March 2026).

The story: submitted Friday 16:00, approved Monday 10:00, its task in progress from 11:00, the
request on hold awaiting the requester Monday 15:00 to Tuesday 10:00, fulfilled Tuesday 12:00.
"""

import pytest

from kaizen.people.models import UserKind
from kaizen.requests.models import HoldReason, State
from kaizen.requests.services.lifecycle import conclude_approval, do_put_on_hold, do_resume_request
from kaizen.requests.services.tasks import (
    do_complete_task,
    do_hold_task,
    do_resume_task,
    do_start_task,
)
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.requests.tests.lead_time_helpers import MIN, H, definition, laptop_type, office_calendar
from kaizen.sla.tests.config_helpers import london
from kaizen.sla.tests.helpers import freeze_sla_time
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db

FRI_16 = london("2026-03-06 16:00")
MON_10 = london("2026-03-09 10:00")
MON_11 = london("2026-03-09 11:00")
MON_14 = london("2026-03-09 14:00")
MON_15 = london("2026-03-09 15:00")
MON_16 = london("2026-03-09 16:00")
TUE_0930 = london("2026-03-10 09:30")
TUE_10 = london("2026-03-10 10:00")
TUE_11 = london("2026-03-10 11:00")
TUE_12 = london("2026-03-10 12:00")


@pytest.fixture(autouse=True)
def measured_at_each_write(monkeypatch):
    """The live refresh measures up to the later of now and the ticket's last event: with
    now before the story, each clock is read as it stood right after the last write."""
    freeze_sla_time(monkeypatch, "2026-01-01 00:00")


def clock(ticket, kind: str = "resolution"):
    return ticket.sla_clocks.filter(kind=kind).order_by("sequence").last()


def submitted(pause_reasons, *, kind="resolution", minutes=3 * 8 * 60):
    agent, boss = make_user("agent"), make_user("boss")
    target = definition(office_calendar(), kind=kind, minutes=minutes, pause_reasons=pause_reasons)
    # The delivery target names a resolution definition; a response one applies by matching.
    delivery = target if kind == "resolution" else None
    request_type = laptop_type(delivery_target=delivery, approver=boss, desk_members=[agent])
    request = make_request(request_type, make_user(kind=UserKind.REQUESTER), at=FRI_16)
    assert request.state == State.AWAITING_APPROVAL
    return request, agent, boss


# (pause reasons, elapsed after approval, due after approval, on hold, at the end)
DELIVERY_VECTORS = {
    # Counted through approval (Fri 16-17, Mon 9-10: 2 h), paused awaiting the requester;
    # 24 h due: 22 h left at Mon 10:00 -> Mon 7 h, Tue 8 h, Wed 7 h: Wed 16:00.
    "approval counted": (["awaiting_requester"], 2 * H, "2026-03-11 16:00", 7 * H, 9 * H),
    # Paused through approval: counting starts Mon 10:00 -> Mon 7, Tue 8, Wed 8, Thu 1: 10:00.
    "approval paused": (
        ["awaiting_approval", "awaiting_requester"],
        0,
        "2026-03-12 10:00",
        5 * H,
        7 * H,
    ),
    # Nothing pauses it: the hold counts too (Mon 15-17, Tue 9-10: 3 h more).
    "nothing paused": ([], 2 * H, "2026-03-11 16:00", 7 * H, 12 * H),
}


@pytest.mark.parametrize("vector", DELIVERY_VECTORS.values(), ids=DELIVERY_VECTORS.keys())
def test_the_delivery_clock_pauses_as_its_definition_says(vector):
    pause_reasons, after_approval, due, at_hold, at_end = vector
    request, agent, boss = submitted(pause_reasons)
    awaiting = clock(request)
    assert (awaiting.elapsed_us, awaiting.state) == (
        0,
        "paused" if pause_reasons[:1] == ["awaiting_approval"] else "running",
    )
    conclude_approval(request, approved=True, actor=boss, at=MON_10)
    approved = clock(request)
    assert (approved.elapsed_us, approved.state) == (after_approval, "running")
    assert approved.due_at == london(due)
    task = request.tasks.get()
    do_start_task(task, actor=agent, at=MON_11)
    request.refresh_from_db()
    do_put_on_hold(request, HoldReason.AWAITING_REQUESTER, actor=agent, at=MON_15)
    held = clock(request)
    # Up to Mon 15:00: approval (2 h, if counted), Mon 10-15 (5 h).
    assert held.elapsed_us == at_hold
    assert held.state == ("paused" if "awaiting_requester" in pause_reasons else "running")
    do_resume_request(request, actor=agent, at=TUE_10)
    task.refresh_from_db()
    do_complete_task(task, actor=agent, at=TUE_12)
    request.refresh_from_db()
    assert request.state == State.FULFILLED
    stopped = clock(request)
    assert (stopped.state, stopped.elapsed_us, stopped.stopped_at) == ("met", at_end, TUE_12)
    assert request.sla_due_at is None  # no clock runs on a fulfilled request


@pytest.mark.parametrize(
    ("pause_reasons", "elapsed", "state"),
    [
        # Responded when its task was started, Mon 11:00: Mon 10-11 is exactly the hour.
        (["awaiting_approval"], 1 * H, "met"),
        # Fri 16-17 and Mon 9-11: 3 h, two over.
        ([], 3 * H, "breached"),
    ],
)
def test_the_first_task_started_stops_the_response_clock(pause_reasons, elapsed, state):
    request, agent, boss = submitted(pause_reasons, kind="response", minutes=60)
    conclude_approval(request, approved=True, actor=boss, at=MON_10)
    do_start_task(request.tasks.get(), actor=agent, at=MON_11)
    response = clock(request, "response")
    assert (response.state, response.elapsed_us, response.stopped_at) == (state, elapsed, MON_11)


def test_a_rejected_request_has_its_clocks_cancelled():
    request, _, boss = submitted(["awaiting_requester"])
    conclude_approval(request, approved=False, actor=boss, at=MON_10, reason="Not in budget")
    cancelled = clock(request)
    assert (cancelled.state, cancelled.cancelled_at) == ("cancelled", MON_10)
    assert cancelled.elapsed_us == 2 * H  # what it had counted when it was cancelled


def test_a_tasks_ola_counts_only_from_when_it_is_ready():
    """Two tasks in sequence, each with a 4 h OLA paused awaiting the requester. The second
    is created at approval (Mon 10:00) but waits until the first is done (Mon 14:00)."""
    agent = make_user("agent")
    calendar = office_calendar()
    definition(
        calendar, ticket_kind="request_task", minutes=4 * 60, pause_reasons=["awaiting_requester"]
    )
    desk = make_team("Desk", members=[agent])
    request_type = make_request_type(
        tasks=[
            {"position": 1, "title": "Take from stock", "team": desk.pk},
            {"position": 2, "title": "Image it", "team": desk.pk},
        ]
    )
    # No approval steps: approved (and its tasks created) when submitted, Mon 10:00.
    request = make_request(request_type, make_user(), at=MON_10)
    first, second = request.tasks.order_by("position")
    waiting = clock(second)
    assert (second.state, waiting.elapsed_us, waiting.state, waiting.due_at) == (
        "waiting",
        0,
        "paused",
        None,
    )
    do_start_task(first, actor=agent, at=MON_11)
    first.refresh_from_db()
    do_complete_task(first, actor=agent, at=MON_14)
    # The first: Mon 10-14, exactly its 4 h: met.
    assert (clock(first).state, clock(first).elapsed_us) == ("met", 4 * H)
    second.refresh_from_db()
    ready = clock(second)
    # Nothing counted while it waited; from Mon 14:00, 3 h on Monday and 1 h on Tuesday.
    assert (second.state, ready.elapsed_us, ready.state) == ("open", 0, "running")
    assert ready.due_at == TUE_10
    do_start_task(second, actor=agent, at=MON_14)
    second.refresh_from_db()
    do_hold_task(second, HoldReason.AWAITING_REQUESTER, actor=agent, at=MON_16)
    assert (clock(second).state, clock(second).elapsed_us) == ("paused", 2 * H)
    second.refresh_from_db()
    do_resume_task(second, actor=agent, at=TUE_0930)
    second.refresh_from_db()
    do_complete_task(second, actor=agent, at=TUE_11)
    # Mon 14-16 (2 h) and Tue 09:30-11:00 (1 h 30): met.
    done = clock(second)
    assert (done.state, done.elapsed_us, done.stopped_at) == ("met", 3 * H + 30 * MIN, TUE_11)
