"""Request, fulfilment task and approval step facts, from requests worked through the request
services, with hand-computed hours on an office calendar (Mon-Fri 09:00-17:00 London, GMT in
early March 2026) and the SLA clocks' verdicts; the approval steps that approve everything
while adding delay."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kaizen.analytics.approval_review import rubber_stamp_steps
from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import rows
from kaizen.journal.events import EventType
from kaizen.people.models import UserKind
from kaizen.requests.models import FulfilmentTask, ServiceRequest, StepState, TaskState
from kaizen.requests.services.base import TASKS
from kaizen.requests.services.lifecycle import conclude_approval, do_fulfil_request, tasks_settled
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.sla.services import do_create_sla_definition
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def london(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def wall(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def facts(table: str, key: str = "number") -> dict:
    return {row[key]: row for row in rows(table, key)}


def approve(request: ServiceRequest, boss, at: dt.datetime) -> None:
    """What the approval service records when the one approver of the step approves: the step
    decided, then the request's approval concluded (journaled on the request)."""
    request.approvals.update(state=StepState.APPROVED, decided_at=at, outcome_note="approved")
    conclude_approval(request, approved=True, actor=boss, at=at)


def finish_task(task: FulfilmentTask, started: dt.datetime, done: dt.datetime) -> None:
    """A task started and done, each move journaled as the task services write it."""
    for state, stamp, at in (
        (TaskState.IN_PROGRESS, "started_at", started),
        (TaskState.DONE, "finished_at", done),
    ):
        locked = TASKS.lock(task, None)
        before = TASKS.snapshot(locked)
        locked.state = state
        setattr(locked, stamp, at)
        TASKS.finish(locked, task, before, EventType.REQUEST_TASK_STATE_CHANGED, actor=None, at=at)
    tasks_settled(task.request, actor=None, at=done)


@pytest.fixture
def delivered_in_two_days(office):
    """Requests delivered within 16 office hours of submission, approval included."""
    return do_create_sla_definition(
        actor=None,
        name="Delivered within two days",
        ticket_kind="request",
        kind="resolution",
        target_minutes=16 * 60,
        calendar=office,
    )


def test_a_request_row_has_its_wall_and_business_hours_and_its_sla_verdict(
    delivered_in_two_days, settings
):
    settings.TIME_ZONE = "Europe/London"
    boss = make_user("boss", first_name="Bea", last_name="Boss")
    requester = make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", manager=boss)
    desk = make_team("Service desk")
    laptop = make_request_type(
        name="New laptop",
        fulfilment_group=desk,
        price="900.00",
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
    )
    agent = make_user("alan")
    # Friday 16:00 submitted, approved Monday 10:00, fulfilled Monday 12:00.
    quick = make_request(laptop, requester, at=london("2026-03-06 16:00"))
    approve(quick, boss, london("2026-03-09 10:00"))
    do_fulfil_request(quick, actor=agent, at=london("2026-03-09 12:00"))
    # The same, made by an agent for Rita, fulfilled Wednesday 12:00.
    slow = make_request(laptop, agent, requested_for=requester, at=london("2026-03-06 16:00"))
    approve(slow, boss, london("2026-03-09 10:00"))
    do_fulfil_request(slow, actor=agent, at=london("2026-03-11 12:00"))
    waiting = make_request(laptop, requester, at=london("2026-03-06 16:00"))
    sync()
    found = facts("request_facts")
    row = found[quick.number]
    assert {name: row[name] for name in list(row)[:14]} == {
        "request_id": quick.pk,
        "number": quick.number,
        "request_type": "New laptop",
        "offering": f"{laptop.offering.service.name}: {laptop.offering.name}",
        "service": laptop.offering.service.name,
        "team": "Service desk",
        "channel": "portal",
        "state": "fulfilled",
        "is_open": False,
        "requester": "Rita",
        "on_behalf": False,
        "price": 900.0,
        "approval_steps": 1,
        "tasks": 0,
    }
    assert row["opened_at"] == wall("2026-03-06 16:00")
    assert row["approval_decided_at"] == row["approved_at"] == wall("2026-03-09 10:00")
    # Friday 16:00 -> Monday 10:00: 66 wall hours; Friday 16-17 and Monday 09-10 in office
    # hours: 2.
    assert (row["approval_hours"], row["approval_business_hours"]) == (66.0, 2.0)
    # Friday 16:00 -> Monday 12:00: 68 wall hours, 1 + 3 = 4 office hours of the 16 allowed.
    assert (row["fulfilment_hours"], row["fulfilment_business_hours"]) == (68.0, 4.0)
    assert row["sla_met"] is True
    late = found[slow.number]
    assert late["on_behalf"] is True
    # Friday 16:00 -> Wednesday 12:00: 116 wall hours; 1 + 8 + 8 + 3 = 20 office hours > 16.
    assert (late["fulfilment_hours"], late["fulfilment_business_hours"]) == (116.0, 20.0)
    assert late["sla_met"] is False
    still = found[waiting.number]
    assert (still["state"], still["is_open"]) == ("awaiting_approval", True)
    assert still["approval_decided_at"] is None and still["approval_hours"] is None
    # Measured now, months later: its clock (which does not pause for the approval) has
    # breached, settled at once even while the request waits.
    assert still["sla_met"] is False
    steps = {row["request"]: row for row in rows("request_approval_facts", "approval_id")}
    step = steps[quick.number]
    assert (step["step"], step["state"], step["approved"]) == ("Line manager", "approved", True)
    assert step["wait_hours"] == 66.0
    assert step["wait_business_hours"] is None  # no reporting calendar set
    assert steps[waiting.number]["approved"] is None
    # A rebuild writes the same rows.
    before = rows("request_facts", "request_id")
    rebuild()
    assert rows("request_facts", "request_id") == before


def test_task_rows_have_their_queue_and_work_hours_and_their_ola(office, settings):
    settings.TIME_ZONE = "Europe/London"
    settings.KAIZEN_REPORTING_CALENDAR = "office"
    stores = make_team("Stores")
    do_create_sla_definition(
        actor=None,
        name="Stores within 4 hours",
        ticket_kind="request_task",
        kind="resolution",
        target_minutes=4 * 60,
        calendar=office,
    )
    monitor = make_request_type(
        name="Second monitor", tasks=[{"title": "Hand it over", "team": stores.pk}]
    )
    requester = make_user(kind=UserKind.REQUESTER)
    fast = make_request(monitor, requester, at=london("2026-03-09 09:00"))
    slow = make_request(monitor, requester, at=london("2026-03-09 09:00"))
    finish_task(fast.tasks.get(), london("2026-03-09 10:00"), london("2026-03-09 11:00"))
    finish_task(slow.tasks.get(), london("2026-03-09 10:00"), london("2026-03-09 15:00"))
    sync()
    tasks = {row["request"]: row for row in rows("request_task_facts", "task_id")}
    quick = tasks[fast.number]
    assert (quick["team"], quick["title"], quick["state"], quick["is_open"]) == (
        "Stores",
        "Hand it over",
        "done",
        False,
    )
    # Ready Monday 09:00, started 10:00, done 11:00: 1 hour queued, 2 of the OLA's 4.
    assert (quick["queued_hours"], quick["work_hours"], quick["work_business_hours"]) == (
        1.0,
        2.0,
        2.0,
    )
    assert quick["ola_met"] is True
    # Done 15:00: 6 hours of 4.
    assert (tasks[slow.number]["work_hours"], tasks[slow.number]["ola_met"]) == (6.0, False)
    requests = facts("request_facts")
    assert requests[fast.number]["tasks"] == 1
    assert requests[fast.number]["state"] == "fulfilled"
    # No delivery target: the reporting calendar measures it, 09:00 -> 11:00.
    assert requests[fast.number]["fulfilment_business_hours"] == 2.0
    assert requests[fast.number]["sla_met"] is None


def test_steps_that_approve_everything_while_adding_delay_are_listed(settings):
    settings.TIME_ZONE = "Europe/London"
    boss = make_user("boss")
    requester = make_user(kind=UserKind.REQUESTER, manager=boss)
    slow_stamp = make_request_type(
        name="Software",
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
    )
    quick_stamp = make_request_type(
        name="Headset",
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
    )
    selective = make_request_type(
        name="Admin rights",
        steps=[{"name": "Security", "approver_source": "requester_manager"}],
    )
    start = london("2026-03-02 09:00")
    # Software: three approved after 10, 20 and 30 hours (median 20, 60 in all).
    for hours in (10, 20, 30):
        request = make_request(slow_stamp, requester, at=start)
        approve(request, boss, start + dt.timedelta(hours=hours))
    # Headset: three approved within the hour.
    for _ in range(3):
        request = make_request(quick_stamp, requester, at=start)
        approve(request, boss, start + dt.timedelta(minutes=30))
    # Admin rights: slow, but one in three rejected: the step decides something.
    for approved in (True, True, False):
        request = make_request(selective, requester, at=start)
        at = start + dt.timedelta(hours=24)
        if approved:
            approve(request, boss, at)
        else:
            request.approvals.update(state=StepState.REJECTED, decided_at=at)
            conclude_approval(request, approved=False, actor=boss, at=at, reason="no")
    sync()
    found = rubber_stamp_steps(min_decided=3, min_median_hours=8, now=london("2026-03-10 09:00"))
    assert [(s.request_type, s.step, s.decided, s.approved_pct) for s in found] == [
        ("Software", "Line manager", 3, 100.0)
    ]
    assert (found[0].median_hours, found[0].total_hours, found[0].by_default) == (20.0, 60.0, 0)
    # Four decisions needed: none qualifies.
    assert rubber_stamp_steps(min_decided=4, now=london("2026-03-10 09:00")) == []
