"""The lead-time breakdown from the journal, against times worked out by hand on a Mon-Fri
09:00-17:00 calendar (Europe/London, GMT in early March 2026)."""

import datetime as dt
import random

import pytest

from kaizen.people.models import UserKind
from kaizen.requests.lead_time import (
    ALWAYS_NAME,
    APPROVAL,
    HELD,
    QUEUED,
    REQUESTER,
    WORKED,
    breakdown,
    breakdown_per_type,
    estimate,
    nearest_rank,
    phase_of,
)
from kaizen.requests.models import HoldReason, State
from kaizen.requests.services.lifecycle import (
    conclude_approval,
    do_fulfil_request,
    do_put_on_hold,
    do_resume_request,
)
from kaizen.requests.services.tasks import (
    do_complete_task,
    do_hold_task,
    do_resume_task,
    do_start_task,
)
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.requests.tests.lead_time_helpers import H, definition, laptop_type, office_calendar
from kaizen.sla.tests.config_helpers import london
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db

FRI_16 = london("2026-03-06 16:00")
MON_10 = london("2026-03-09 10:00")
MON_11 = london("2026-03-09 11:00")
MON_15 = london("2026-03-09 15:00")
TUE_10 = london("2026-03-10 10:00")
TUE_12 = london("2026-03-10 12:00")


@pytest.fixture
def story():
    """Submitted Friday 16:00; approved Monday 10:00 (its one task opens); the task in
    progress 11:00-15:00; on hold awaiting the requester 15:00 to Tuesday 10:00; in progress
    again and done (the request fulfilled) Tuesday 12:00."""
    agent, boss = make_user("agent"), make_user("boss")
    target = definition(office_calendar(), name="Laptop in 3 days")
    request_type = laptop_type(delivery_target=target, approver=boss, desk_members=[agent])
    requester = make_user("rita", kind=UserKind.REQUESTER)
    request = make_request(request_type, requester, at=FRI_16)
    assert request.state == State.AWAITING_APPROVAL
    conclude_approval(request, approved=True, actor=boss, at=MON_10)
    return request, agent, boss


def _walk_task(request, agent, *, hold_request: bool = False):
    task = request.tasks.get()
    do_start_task(task, actor=agent, at=MON_11)
    if hold_request:
        request.refresh_from_db()
        do_put_on_hold(request, HoldReason.AWAITING_REQUESTER, actor=agent, at=MON_15)
        do_resume_request(request, actor=agent, at=TUE_10)
    else:
        do_hold_task(task, HoldReason.AWAITING_REQUESTER, actor=agent, at=MON_15)
        do_resume_task(task, actor=agent, at=TUE_10)
    task.refresh_from_db()
    do_complete_task(task, actor=agent, at=TUE_12)
    request.refresh_from_db()
    assert request.state == State.FULFILLED


@pytest.mark.parametrize("hold_request", [False, True], ids=["task held", "request held"])
def test_the_phases_of_the_worked_example_by_hand(story, hold_request):
    request, agent, _ = story
    _walk_task(request, agent, hold_request=hold_request)
    lead = breakdown(request)
    # Awaiting approval Fri 16:00-17:00 and Mon 09:00-10:00: 2 h.
    # Queued (the task open, nobody on it) Mon 10:00-11:00: 1 h.
    # Worked Mon 11:00-15:00 and Tue 10:00-12:00: 6 h.
    # Awaiting the requester Mon 15:00-17:00 and Tue 09:00-10:00: 3 h.
    assert lead.phases == {APPROVAL: 2 * H, QUEUED: 1 * H, WORKED: 6 * H, REQUESTER: 3 * H, HELD: 0}
    # Fri 16-17 (1 h), Mon 9-17 (8 h), Tue 9-12 (3 h).
    assert lead.total_us == 12 * H
    assert (lead.started_at, lead.ended_at, lead.ended) == (FRI_16, TUE_12, True)
    assert lead.calendar_name == "Office office"
    assert [(row.label, row.share) for row in lead.rows()] == [
        ("Awaiting approval", 17),
        ("Queued", 8),
        ("Worked", 50),
        ("Awaiting the requester", 25),
        ("On hold (supplier, stock)", 0),
    ]


def test_an_open_request_is_measured_up_to_now(story):
    request, agent, _ = story
    do_start_task(request.tasks.get(), actor=agent, at=MON_11)
    lead = breakdown(request, now=MON_15)
    assert lead.phases == {APPROVAL: 2 * H, QUEUED: 1 * H, WORKED: 4 * H, REQUESTER: 0, HELD: 0}
    assert (lead.total_us, lead.ended, lead.ended_at) == (7 * H, False, MON_15)


def test_a_type_without_a_delivery_target_counts_every_hour():
    request_type = make_request_type()  # no approval, no tasks: approved at once
    request = make_request(request_type, make_user(), at=FRI_16)
    do_fulfil_request(request, actor=None, at=MON_10)
    lead = breakdown(request)
    # Friday 16:00 to Monday 10:00 is 66 hours on the clock, all of them queued.
    assert lead.phases[QUEUED] == lead.total_us == 66 * H
    assert lead.calendar_name == ALWAYS_NAME


def test_the_phase_of_an_instant():
    assert phase_of("awaiting_approval", "", []) == APPROVAL
    assert phase_of("on_hold", "awaiting_stock", [("in_progress", "")]) == HELD
    assert phase_of("in_fulfilment", "", [("on_hold", "awaiting_supplier"), ("open", "")]) == HELD
    assert (
        phase_of(
            "in_fulfilment",
            "",
            [("on_hold", "awaiting_supplier"), ("on_hold", "awaiting_requester")],
        )
        == REQUESTER
    )
    assert (
        phase_of("in_fulfilment", "", [("on_hold", "awaiting_requester"), ("in_progress", "")])
        == WORKED
    )
    assert phase_of("in_fulfilment", "", [("open", ""), ("waiting", "")]) == QUEUED


def test_the_phases_always_add_up_to_the_total():
    """Random walks through the services on the office calendar: whatever happens when, the
    phases add up to the total to the microsecond."""
    rng = random.Random(14)
    calendar = office_calendar()
    agent, boss = make_user("agent"), make_user("boss")
    request_type = laptop_type(
        delivery_target=definition(calendar), approver=boss, desk_members=[agent]
    )
    for _ in range(4):
        at = FRI_16 + dt.timedelta(minutes=rng.randrange(0, 3000))

        def later():
            nonlocal at
            at += dt.timedelta(minutes=rng.randrange(1, 2000))
            return at

        request = make_request(request_type, make_user(kind=UserKind.REQUESTER), at=at)
        conclude_approval(request, approved=True, actor=boss, at=later())
        task = request.tasks.get()
        do_start_task(task, actor=agent, at=later())
        for _ in range(rng.randrange(0, 3)):
            reason = rng.choice(list(HoldReason))
            do_hold_task(task, reason, actor=agent, at=later())
            do_resume_task(task, actor=agent, at=later())
        do_complete_task(task, actor=agent, at=later())
        lead = breakdown(request)
        assert lead.ended
        assert sum(lead.phases.values()) == lead.total_us
        assert lead.total_us == calendar_total(calendar, request)


def calendar_total(calendar, request) -> int:
    from kaizen.sla.targets import calendar_index

    request.refresh_from_db()
    return calendar_index(calendar).business_us(request.opened_at, request.fulfilled_at)


def test_per_type_the_median_and_mean_of_each_phase(story):
    request, agent, boss = story
    _walk_task(request, agent)
    # A second request: submitted Monday 09:00, approved 13:00, worked 13:00-17:00 (no
    # queue), fulfilled Monday 17:00: approval 4 h, worked 4 h.
    second = make_request(request.request_type, make_user(), at=london("2026-03-09 09:00"))
    conclude_approval(second, approved=True, actor=boss, at=london("2026-03-09 13:00"))
    do_start_task(second.tasks.get(), actor=agent, at=london("2026-03-09 13:00"))
    do_complete_task(second.tasks.get(), actor=agent, at=london("2026-03-09 17:00"))
    per_type = breakdown_per_type(
        request.request_type, london("2026-03-01 00:00"), london("2026-04-01 00:00")
    )
    assert per_type.count == 2
    stats = {row.key: (row.median_us, row.mean_us) for row in per_type.phases}
    assert stats == {
        APPROVAL: (3 * H, 3 * H),  # 2 h and 4 h
        QUEUED: (H // 2, H // 2),  # 1 h and 0
        WORKED: (5 * H, 5 * H),  # 6 h and 4 h
        REQUESTER: (3 * H // 2, 3 * H // 2),  # 3 h and 0
        HELD: (0, 0),
    }
    assert (per_type.total.median_us, per_type.total.mean_us) == (10 * H, 10 * H)  # 12 h and 8 h
    empty = breakdown_per_type(
        request.request_type, london("2026-04-01 00:00"), london("2026-05-01 00:00")
    )
    assert (empty.count, empty.total) == (0, None)


def test_the_estimate_needs_five_requests_of_the_last_ninety_days():
    request_type = make_request_type()  # 24x7: delivery times are plain hours
    now = london("2026-06-01 12:00")

    def delivered(hours: int, *, days_ago: int = 10) -> None:
        opened = now - dt.timedelta(days=days_ago)
        request = make_request(request_type, make_user(), at=opened)
        do_fulfil_request(request, actor=None, at=opened + dt.timedelta(hours=hours))

    delivered(50, days_ago=95)  # fulfilled 93 days ago: too old to count
    for hours in (1, 2, 3, 4):
        delivered(hours)
    assert estimate(request_type, now) is None
    delivered(10)
    five = estimate(request_type, now)
    # 1, 2, 3, 4, 10 h: the median is 3 h; 85% of 5 is 4.25, so the 5th value, 10 h.
    assert (five.median_us, five.percentile_us, five.count) == (3 * H, 10 * H, 5)
    delivered(20)
    six = estimate(request_type, now)
    # 1, 2, 3, 4, 10, 20 h: the median is (3 + 4) / 2; 85% of 6 is 5.1, so the 6th, 20 h.
    assert (six.median_us, six.percentile_us, six.count) == (7 * H // 2, 20 * H, 6)


def test_nearest_rank():
    assert nearest_rank([5, 1, 3, 2, 4], 85) == 5
    assert nearest_rank(list(range(1, 21)), 85) == 17
    assert nearest_rank([7], 85) == 7


def test_the_breakdown_is_read_from_the_journal_not_the_rows(story):
    """Rows changed behind the services' back (a bad script, a restore) change nothing: the
    journal says what happened when."""
    from kaizen.requests.models import FulfilmentTask, ServiceRequest

    request, agent, _ = story
    _walk_task(request, agent)
    ServiceRequest.objects.filter(pk=request.pk).update(
        state=State.IN_FULFILMENT, fulfilled_at=None, opened_at=TUE_10
    )
    FulfilmentTask.objects.filter(request=request).update(state="open")
    request.refresh_from_db()
    lead = breakdown(request)
    assert (lead.started_at, lead.ended_at, lead.total_us) == (FRI_16, TUE_12, 12 * H)
    assert lead.phases[WORKED] == 6 * H
