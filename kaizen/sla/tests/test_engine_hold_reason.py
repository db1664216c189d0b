"""A change of on-hold reason while the ticket stays on hold, for any ticket kind.

The kind here is not the incidents': its own states and field names (a service request waiting
for the customer or a supplier), so the rule is seen to be the engine's, read through the
kind's StateRules. Expectations are worked out by hand on a calendar with a lunch break:
Monday to Friday 09:00-12:00 and 13:00-17:00, Europe/London (GMT in early March 2026;
2 March is a Monday). Response target 1 h, resolution 8 h; waiting for the customer pauses
both, waiting for a supplier pauses neither.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from kaizen.sla.calendar import CalendarIndex, WorkingPeriod
from kaizen.sla.engine import StateRules, Target, TicketState, compute_clocks

LONDON = ZoneInfo("Europe/London")
H = 3600 * 1_000_000
M = 60 * 1_000_000
LUNCH_BREAK = CalendarIndex(
    "Europe/London",
    [
        period
        for day in range(5)
        for period in (WorkingPeriod(day, 9 * 60, 12 * 60), WorkingPeriod(day, 13 * 60, 17 * 60))
    ],
)
REQUESTS = StateRules(
    open_states=frozenset({"submitted", "working", "waiting"}),
    on_hold_state="waiting",
    stopped_states=frozenset({"fulfilled"}),
    cancelled_states=frozenset({"withdrawn"}),
    first_response_field="acknowledged_at",
    on_hold_reason_field="waiting_for",
    state_field="status",
)
PAUSING = frozenset({"customer"})
RESPONSE = Target(1, "response", 1, 1 * H, LUNCH_BREAK, PAUSING, name="response")
RESOLUTION = Target(2, "resolution", 2, 8 * H, LUNCH_BREAK, PAUSING, name="resolution")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def history(*steps: tuple[str, dict]) -> list[TicketState]:
    fields: dict = {}
    states = []
    for when, changes in steps:
        fields = {**fields, **changes}
        states.append(TicketState(t(when), fields))
    return states


def submitted(when: str) -> tuple[str, dict]:
    return when, {"status": "submitted", "waiting_for": "", "acknowledged_at": None}


def wait_for(when: str, reason: str) -> tuple[str, dict]:
    return when, {"status": "waiting", "waiting_for": reason}


def reason_now(when: str, reason: str) -> tuple[str, dict]:
    """The reason changes; the ticket stays waiting, and nobody responded."""
    return when, {"waiting_for": reason}


def resume(when: str) -> tuple[str, dict]:
    return when, {"status": "working", "waiting_for": "", "acknowledged_at": when}


def clocks(steps, now: str, explain: bool = False):
    found = compute_clocks(
        history(*steps), [RESPONSE, RESOLUTION], now=t(now), explain=explain, rules=REQUESTS
    )
    return {clock.kind: clock for clock in found}


SUPPLIER_THEN_CUSTOMER = [
    submitted("2026-03-02 15:00"),
    wait_for("2026-03-02 15:30", "supplier"),  # counts: Mon 15:00-17:00, Tue 09:00-11:30
    reason_now("2026-03-03 11:30", "customer"),  # paused from here
    resume("2026-03-03 14:00"),
]


def test_time_before_the_change_counts_by_the_old_reason_and_after_it_pauses_by_the_new():
    # Tuesday 13:30, still waiting for the customer: 2 h + 2 h 30 counted, nothing since.
    resolution = clocks(SUPPLIER_THEN_CUSTOMER[:3], "2026-03-03 13:30")["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("paused", 4 * H + 30 * M)
    assert resolution.due_at is None and not resolution.counting


def test_after_resuming_the_due_time_is_what_is_left_from_the_resume():
    # 3 h 30 left at Tuesday 14:00: Tue 14:00-17:00, then Wed 09:00-09:30.
    resolution = clocks(SUPPLIER_THEN_CUSTOMER, "2026-03-03 14:00")["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("running", 4 * H + 30 * M)
    assert resolution.due_at == t("2026-03-04 09:30")
    assert resolution.running_since == t("2026-03-03 14:00")
    # Two hours later: 4 h 30 + 2 h.
    resolution = clocks(SUPPLIER_THEN_CUSTOMER, "2026-03-03 16:00")["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("running", 6 * H + 30 * M)
    assert resolution.due_at == resolution.breach_at == t("2026-03-04 09:30")


def test_the_reason_change_is_no_response():
    # The 1 h response ran out at Mon 16:00 while waiting for the supplier; it kept counting
    # to the change (Tue 11:30), paused, and stopped only at the resume (the acknowledgement).
    response = clocks(SUPPLIER_THEN_CUSTOMER, "2026-03-03 16:00")["response"]
    assert (response.state, response.elapsed_us) == ("breached", 4 * H + 30 * M)
    assert response.stopped_at == t("2026-03-03 14:00")
    assert response.due_at == response.breach_at == t("2026-03-02 16:00")


def test_the_explanation_names_the_reason_of_each_interval():
    resolution = clocks(SUPPLIER_THEN_CUSTOMER, "2026-03-03 16:00", explain=True)["resolution"]
    assert [(i.start, i.end, i.kind, i.on_hold_reason) for i in resolution.intervals] == [
        (t("2026-03-02 15:00"), t("2026-03-02 15:30"), "counted", ""),
        (t("2026-03-02 15:30"), t("2026-03-02 17:00"), "counted", "supplier"),
        (t("2026-03-02 17:00"), t("2026-03-03 09:00"), "outside_hours", "supplier"),
        (t("2026-03-03 09:00"), t("2026-03-03 11:30"), "counted", "supplier"),
        (t("2026-03-03 11:30"), t("2026-03-03 14:00"), "paused", "customer"),
        (t("2026-03-03 14:00"), t("2026-03-03 16:00"), "counted", ""),
    ]


CUSTOMER_THEN_SUPPLIER = [
    submitted("2026-03-02 15:00"),
    wait_for("2026-03-02 15:30", "customer"),  # paused over the night and Tue 09:00-11:30
    reason_now("2026-03-03 11:30", "supplier"),  # counts again from here, lunch excepted
    resume("2026-03-03 14:00"),
]


def test_the_reverse_order_pauses_first_and_counts_from_the_change():
    found = clocks(CUSTOMER_THEN_SUPPLIER, "2026-03-03 16:00")
    resolution = found["resolution"]
    # Mon 15:00-15:30, Tue 11:30-12:00, 13:00-14:00 (supplier), 14:00-16:00 (working).
    assert (resolution.state, resolution.elapsed_us) == ("running", 4 * H)
    # 4 h left at 16:00: Tue 16:00-17:00 and Wed 09:00-12:00. Used up at the lunch break,
    # so the breach happens when counting starts again, at 13:00.
    assert resolution.due_at == t("2026-03-04 12:00")
    assert resolution.breach_at == t("2026-03-04 13:00")
    response = found["response"]
    # 30 min on Monday, 30 more from the change: used up at Tue 12:00, breached from 13:00;
    # 13:00-14:00 counted before the acknowledgement.
    assert (response.state, response.elapsed_us) == ("breached", 2 * H)
    assert response.due_at == t("2026-03-03 12:00")
    assert response.breach_at == t("2026-03-03 13:00")
    assert response.stopped_at == t("2026-03-03 14:00")


def test_while_still_waiting_for_the_supplier_the_clock_runs_from_the_change():
    resolution = clocks(CUSTOMER_THEN_SUPPLIER[:3], "2026-03-03 13:30")["resolution"]
    # Mon 15:00-15:30, Tue 11:30-12:00, 13:00-13:30.
    assert (resolution.state, resolution.elapsed_us) == ("running", 1 * H + 30 * M)
    assert resolution.running_since == t("2026-03-03 11:30")
    # 6 h 30 left from Tue 13:30: 13:30-17:00 (3 h 30), Wed 09:00-12:00 (3 h).
    assert resolution.due_at == t("2026-03-04 12:00")


def test_a_breached_clock_stays_breached_and_stops_growing_when_the_new_reason_pauses():
    steps = [
        submitted("2026-03-02 09:00"),
        resume("2026-03-02 09:15"),
        wait_for("2026-03-02 10:00", "supplier"),
        reason_now("2026-03-03 11:00", "customer"),
    ]
    # 7 h on Monday, Tue 09:00-10:00 uses up the 8 h (due and breached at 10:00), 10:00-11:00
    # counts one more hour; from the change nothing counts, so on Wednesday it is still 9 h.
    resolution = clocks(steps, "2026-03-04 10:00")["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("breached", 9 * H)
    assert resolution.breached and not resolution.counting
    assert resolution.due_at == resolution.breach_at == t("2026-03-03 10:00")
    assert resolution.running_since is None and resolution.next_warning_at is None
    # Back to waiting for the supplier on Wednesday 10:00: it counts again from there.
    steps.append(reason_now("2026-03-04 10:00", "supplier"))
    resolution = clocks(steps, "2026-03-04 11:00")["resolution"]
    assert (resolution.state, resolution.elapsed_us) == ("breached", 10 * H)
    assert resolution.counting and resolution.running_since == t("2026-03-04 10:00")
    assert resolution.breach_at == t("2026-03-03 10:00")
