"""Clock semantics, table-driven, with hand-computed expectations (see docs/sla.md)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kaizen.sla.calendar import CalendarIndex, WorkingPeriod
from kaizen.sla.engine import Target, TicketState, compute_clocks

LONDON = ZoneInfo("Europe/London")
H = 3600 * 1_000_000
M = 60 * 1_000_000
OFFICE = CalendarIndex("Europe/London", [WorkingPeriod(d, 9 * 60, 17 * 60) for d in range(5)])
PAUSE = frozenset({"awaiting_caller", "awaiting_vendor"})


def target(id_, kind, hours, priority, order=10):
    return Target(
        id=id_,
        kind=kind,
        order=order,
        target_us=int(hours * H),
        calendar=OFFICE,
        pause_reasons=PAUSE,
        conditions={"priority": frozenset({priority})},
        thresholds=(50, 75, 90),
    )


P2_RESPONSE, P2_RESOLUTION = target(1, "response", 1, 2), target(2, "resolution", 8, 2)
P1_RESPONSE, P1_RESOLUTION = target(3, "response", 0.25, 1), target(4, "resolution", 4, 1)
TARGETS = [P2_RESPONSE, P2_RESOLUTION, P1_RESPONSE, P1_RESOLUTION]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def history(*steps: tuple[str, dict]) -> list[TicketState]:
    fields: dict = {}
    result = []
    for when, changes in steps:
        fields = {**fields, **changes}
        result.append(TicketState(t(when), fields))
    return result


def opened(when: str, priority: int = 2) -> tuple[str, dict]:
    return when, {
        "state": "new",
        "priority": priority,
        "on_hold_reason": "",
        "first_responded_at": None,
    }


def respond(when: str) -> tuple[str, dict]:
    return when, {"state": "in_progress", "first_responded_at": when}


def clocks_of(steps, now):
    return {
        (c.kind, c.target.id, c.state): c
        for c in compute_clocks(history(*steps), TARGETS, now=t(now))
    }


def only(clocks, kind):
    (clock,) = [c for c in clocks.values() if c.kind == kind and c.state != "cancelled"]
    return clock


CASES = [
    # name, steps, now, response (state, elapsed), resolution (state, elapsed)
    (
        "met within the day",
        [
            opened("2026-03-02 10:00"),
            respond("2026-03-02 10:30"),
            ("2026-03-02 14:00", {"state": "resolved"}),
        ],
        "2026-03-03 12:00",
        ("met", 30 * M),
        ("met", 4 * H),
    ),
    (
        "opened on Saturday, answered Monday 09:45",
        [opened("2026-03-07 10:00"), respond("2026-03-09 09:45")],
        "2026-03-09 10:45",
        ("met", 45 * M),
        ("running", 105 * M),
    ),
    (
        "pause spanning closed hours",
        [
            opened("2026-03-02 16:00"),
            respond("2026-03-02 16:10"),
            ("2026-03-02 16:30", {"state": "on_hold", "on_hold_reason": "awaiting_caller"}),
            ("2026-03-03 10:00", {"state": "in_progress", "on_hold_reason": ""}),
            ("2026-03-03 12:00", {"state": "resolved"}),
        ],
        "2026-03-03 12:00",
        ("met", 10 * M),
        ("met", 150 * M),
    ),
    (
        "on hold for a reason that does not pause",
        [
            opened("2026-03-02 09:00"),
            respond("2026-03-02 09:30"),
            ("2026-03-02 10:00", {"state": "on_hold", "on_hold_reason": "awaiting_problem"}),
            ("2026-03-02 15:00", {"state": "resolved", "on_hold_reason": ""}),
        ],
        "2026-03-02 15:00",
        ("met", 30 * M),
        ("met", 6 * H),
    ),
    (
        "reopened: time resolved is not counted",
        [
            opened("2026-03-02 09:00"),
            respond("2026-03-02 09:05"),
            ("2026-03-02 11:00", {"state": "resolved"}),
            ("2026-03-03 09:00", {"state": "in_progress"}),
            ("2026-03-03 10:00", {"state": "resolved"}),
        ],
        "2026-03-04 09:00",
        ("met", 5 * M),
        ("met", 3 * H),
    ),
    (
        "resolved at exactly the due minute is met",
        [
            opened("2026-03-02 09:00", 1),
            respond("2026-03-02 09:15"),
            ("2026-03-02 13:00", {"state": "resolved"}),
        ],
        "2026-03-02 13:00",
        ("met", 15 * M),
        ("met", 4 * H),
    ),
    (
        "resolved one minute late is breached",
        [
            opened("2026-03-02 09:00", 1),
            respond("2026-03-02 09:16"),
            ("2026-03-02 13:01", {"state": "resolved"}),
        ],
        "2026-03-02 13:01",
        ("breached", 16 * M),
        ("breached", 4 * H + M),
    ),
    (
        "across the DST change",
        [
            opened("2026-03-27 16:00"),
            respond("2026-03-27 16:30"),
            ("2026-03-30 10:00", {"state": "resolved"}),
        ],
        "2026-03-30 10:00",
        ("met", 30 * M),
        ("met", 2 * H),
    ),
]


@pytest.mark.parametrize(
    ("steps", "now", "response", "resolution"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_it_measures(steps, now, response, resolution):
    clocks = clocks_of(steps, now)
    for kind, (state, elapsed) in (("response", response), ("resolution", resolution)):
        clock = only(clocks, kind)
        assert (clock.state, clock.elapsed_us) == (state, elapsed), kind


def test_it_dates_a_breach_used_up_at_closing_to_the_next_opening():
    clocks = clocks_of(
        [opened("2026-03-02 09:00"), respond("2026-03-02 09:10")], "2026-03-03 12:00"
    )
    resolution = only(clocks, "resolution")
    assert resolution.state == "breached" and resolution.counting
    assert resolution.elapsed_us == 11 * H
    assert resolution.due_at == t("2026-03-02 17:00")
    assert resolution.breach_at == t("2026-03-03 09:00")


def test_it_projects_due_time_and_the_next_warning_of_a_running_clock():
    clocks = clocks_of(
        [opened("2026-03-02 09:00"), respond("2026-03-02 09:10")], "2026-03-02 12:00"
    )
    resolution = only(clocks, "resolution")
    assert resolution.state == "running"
    assert resolution.elapsed_us == 3 * H
    assert resolution.due_at == t("2026-03-02 17:00")
    assert resolution.breach_at == t("2026-03-03 09:00")
    assert resolution.warnings_passed == ()
    assert (resolution.next_warning_percent, resolution.next_warning_at) == (
        50,
        t("2026-03-02 13:00"),
    )


def test_it_shows_a_paused_clock_without_a_due_time():
    steps = [
        opened("2026-03-02 09:00"),
        respond("2026-03-02 09:10"),
        ("2026-03-02 10:00", {"state": "on_hold", "on_hold_reason": "awaiting_vendor"}),
    ]
    resolution = only(clocks_of(steps, "2026-03-04 10:00"), "resolution")
    assert resolution.state == "paused"
    assert resolution.elapsed_us == 1 * H
    assert resolution.due_at is None and resolution.next_warning_at is None


def test_it_applies_a_raised_priority_retroactively_and_cancels_the_old_clock():
    steps = [
        opened("2026-03-02 09:00", 2),
        respond("2026-03-02 09:30"),
        ("2026-03-02 11:00", {"priority": 1}),
        ("2026-03-02 12:00", {"state": "resolved"}),
    ]
    clocks = compute_clocks(history(*steps), TARGETS, now=t("2026-03-02 12:00"))
    summary = [(c.kind, c.target.id, c.state, c.elapsed_us) for c in clocks]
    assert summary == [
        ("response", 1, "met", 30 * M),  # answered before the change: the P2 response stands
        ("resolution", 2, "cancelled", 2 * H),
        ("resolution", 4, "met", 3 * H),  # P1's 4 h, counted from opening
    ]
    cancelled = clocks[1]
    assert cancelled.cancelled_at == t("2026-03-02 11:00")


def test_it_cancels_the_clocks_of_a_cancelled_ticket():
    steps = [opened("2026-03-02 09:00"), ("2026-03-02 10:00", {"state": "cancelled"})]
    clocks = compute_clocks(history(*steps), TARGETS, now=t("2026-03-03 10:00"))
    assert {(c.kind, c.state) for c in clocks} == {
        ("response", "cancelled"),
        ("resolution", "cancelled"),
    }


def test_it_has_no_clock_when_no_definition_applies():
    assert (
        compute_clocks(history(opened("2026-03-02 09:00", 4)), TARGETS, now=t("2026-03-02 10:00"))
        == []
    )


def test_it_explains_counted_paused_and_outside_hours_intervals():
    steps = [
        opened("2026-03-02 16:00"),
        respond("2026-03-02 16:10"),
        ("2026-03-02 16:30", {"state": "on_hold", "on_hold_reason": "awaiting_caller"}),
        ("2026-03-03 10:00", {"state": "in_progress", "on_hold_reason": ""}),
        ("2026-03-03 12:00", {"state": "resolved"}),
    ]
    clocks = compute_clocks(history(*steps), TARGETS, now=t("2026-03-03 13:00"), explain=True)
    resolution = [c for c in clocks if c.kind == "resolution"][0]
    assert [(i.start, i.end, i.kind) for i in resolution.intervals] == [
        (t("2026-03-02 16:00"), t("2026-03-02 16:10"), "counted"),
        (t("2026-03-02 16:10"), t("2026-03-02 16:30"), "counted"),
        (t("2026-03-02 16:30"), t("2026-03-03 10:00"), "paused"),
        (t("2026-03-03 10:00"), t("2026-03-03 12:00"), "counted"),
        (t("2026-03-03 12:00"), t("2026-03-03 13:00"), "stopped"),
    ]
