"""Schedule conflicts with hand-made schedules: CI and service overlaps through the catalogue's
dependencies, the double-booked implementer, maintenance windows (across a DST change) and
blackouts; acknowledgements and what a changed plan does to them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.catalog import services as catalog_services
from kaizen.changes import services
from kaizen.changes.models import ConflictAcknowledgement, State
from kaizen.changes.services.calendar import do_create_window
from kaizen.changes.services.conflicts import (
    check_schedule,
    do_acknowledge_conflict,
    find_conflicts,
    unacknowledged_conflicts,
)
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_service, make_team, make_user

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MAR_9 = dt.datetime(2026, 3, 9, tzinfo=UTC)  # a Monday, a week after T0


def at(day: dt.datetime, hour: float) -> dt.datetime:
    return day + dt.timedelta(hours=hour)


def planned(actor, start, end, **fields):
    """An authorised normal change with this window, not yet scheduled."""
    return authorised_normal_change(actor, planned_start=start, planned_end=end, **fields)


def booked(actor, start, end, **fields):
    change = planned(actor, start, end, **fields)
    return move(change, "scheduled", actor, T0 + dt.timedelta(days=2))


def keys(change, **proposed):
    return [conflict.key for conflict in find_conflicts(change, **proposed)]


@pytest.fixture
def mx(db):
    return make_ci("mx-01")


def test_a_shared_ci_in_an_overlapping_window_conflicts(agent, mx):
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    change = planned(agent, at(MAR_9, 10), at(MAR_9, 12), cis=[mx], services_=[])
    [conflict] = find_conflicts(change)
    assert conflict.key == f"booked:{other.number}"
    assert conflict.other == other
    assert conflict.description.endswith("in an overlapping window: both change mx-01")
    with pytest.raises(ValidationError) as caught:
        move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    assert "1 conflict nobody acknowledged" in str(caught.value.error_dict["planned_start"])


def test_touching_windows_do_not_overlap(agent, mx):
    booked(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    after = planned(agent, at(MAR_9, 11), at(MAR_9, 13), cis=[mx], services_=[])
    before = planned(agent, at(MAR_9, 7), at(MAR_9, 9), cis=[mx], services_=[])
    assert find_conflicts(after) == find_conflicts(before) == []
    assert move(after, "scheduled", agent, T0 + dt.timedelta(days=2)).state == State.SCHEDULED


def test_only_scheduled_and_implementing_changes_are_booked(agent, mx):
    # Authorised but not scheduled: not on the calendar yet.
    planned(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    change = planned(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    assert find_conflicts(change) == []


def test_service_dependencies_conflict_one_hop_either_way(agent):
    directory, mail, portal = (make_service(n) for n in ("Directory", "Mail", "Portal"))
    catalog_services.do_add_service_dependency(mail, directory, actor=None)
    catalog_services.do_add_service_dependency(portal, mail, actor=None)
    on_directory = booked(agent, at(MAR_9, 9), at(MAR_9, 11), services_=[directory])
    on_mail = planned(agent, at(MAR_9, 10), at(MAR_9, 11), services_=[mail])
    [conflict] = find_conflicts(on_mail)
    assert conflict.key == f"booked:{on_directory.number}"
    assert conflict.description.endswith("Mail depends on Directory")
    # The other way round, and one hop only: the portal uses mail, not the directory.
    on_portal = planned(agent, at(MAR_9, 10), at(MAR_9, 11), services_=[portal])
    assert keys(on_portal) == []
    second_directory = planned(agent, at(MAR_9, 10), at(MAR_9, 11), services_=[directory])
    assert keys(second_directory) == [f"booked:{on_directory.number}"]


def test_a_cis_services_count_as_its_own(agent):
    mail = make_service("Mail")
    mx = make_ci("mx-01", services=[mail])
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), services_=[mail])
    change = planned(agent, at(MAR_9, 9), at(MAR_9, 10), cis=[mx], services_=[])
    [conflict] = find_conflicts(change)
    assert conflict.key == f"booked:{other.number}"
    assert conflict.description.endswith("both affect Mail")


def test_an_implementer_booked_twice_conflicts(agent):
    ines = make_user("ines", first_name="Ines", last_name="Implementer")
    team = make_team("Mail team", members=[ines])
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), implementer=ines, assignment_group=team)
    change = planned(agent, at(MAR_9, 10), at(MAR_9, 12), implementer=ines, assignment_group=team)
    [conflict] = find_conflicts(change)  # different services: only the person is shared
    assert conflict.key == f"implementer:{ines.pk}:{other.number}"
    assert conflict.description.startswith(f"Ines Implementer also implements {other.number}")
    # Another implementer for the plan: no conflict.
    assert keys(change, implementer=agent) == []


def test_a_weekly_maintenance_window_follows_the_clock_across_dst(agent, change_manager):
    mail = make_service("Mail")
    do_create_window(
        actor=change_manager,
        kind="maintenance",
        name="Mail Sunday maintenance",
        recurrence="weekly",
        weekday=6,
        start_time=dt.time(2, 0),
        end_time=dt.time(6, 0),
        time_zone="Europe/London",
        services=[mail],
    )
    # 22 March 2026 is GMT (02:00-06:00 UTC); the clocks go forward on 29 March (BST,
    # 01:00-05:00 UTC).
    winter = planned(
        agent,
        dt.datetime(2026, 3, 22, 4, 30, tzinfo=UTC),
        dt.datetime(2026, 3, 22, 5, 30, tzinfo=UTC),
        services_=[mail],
    )
    assert keys(winter) == []
    summer = planned(
        agent,
        dt.datetime(2026, 3, 29, 4, 30, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 5, 30, tzinfo=UTC),
        services_=[mail],
    )
    [conflict] = find_conflicts(summer)
    assert conflict.key == "outside_maintenance:mail"
    assert conflict.description == "not inside a maintenance window of Mail"
    assert (
        keys(
            summer,
            planned_start=dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
            planned_end=dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        )
        == []
    )
    # A service without maintenance windows may change any time.
    assert keys(planned(agent, at(MAR_9, 10), at(MAR_9, 11))) == []


def test_a_blackout_for_all_services_or_the_named_ones(agent, change_manager):
    mail, wiki = make_service("Mail"), make_service("Wiki")
    freeze = do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Year-end freeze",
        all_services=True,
        starts_at=dt.datetime(2026, 12, 20, tzinfo=UTC),
        ends_at=dt.datetime(2027, 1, 4, tzinfo=UTC),
    )
    payroll_close = do_create_window(
        actor=change_manager,
        kind="blackout",
        name="Payroll close",
        starts_at=dt.datetime(2026, 3, 9, 8, tzinfo=UTC),
        ends_at=dt.datetime(2026, 3, 9, 10, tzinfo=UTC),
        services=[mail],
    )
    inside = planned(
        agent,
        dt.datetime(2026, 12, 23, 10, tzinfo=UTC),
        dt.datetime(2026, 12, 23, 11, tzinfo=UTC),
        services_=[wiki],
    )
    [conflict] = find_conflicts(inside)
    assert conflict.key == f"blackout:{freeze.pk}"
    assert conflict.description == "inside the blackout Year-end freeze"
    # Starting when the freeze ends is after it.
    assert (
        keys(
            inside,
            planned_start=dt.datetime(2027, 1, 4, tzinfo=UTC),
            planned_end=dt.datetime(2027, 1, 4, 2, tzinfo=UTC),
        )
        == []
    )
    on_mail = planned(agent, at(MAR_9, 9), at(MAR_9, 11), services_=[mail])
    assert keys(on_mail) == [f"blackout:{payroll_close.pk}"]
    assert find_conflicts(on_mail)[0].description == "inside the blackout Payroll close (Mail)"
    assert keys(on_mail, services=[wiki]) == []


def test_an_acknowledged_conflict_lets_scheduling_pass_and_is_journaled(agent, mx):
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    change = planned(agent, at(MAR_9, 10), at(MAR_9, 12), cis=[mx], services_=[])
    with pytest.raises(ValidationError) as caught:
        do_acknowledge_conflict(change, conflict=f"booked:{other.number}", reason=" ", actor=agent)
    assert "reason" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        do_acknowledge_conflict(change, conflict="booked:CHG9", reason="ok", actor=agent)
    assert "conflict" in caught.value.error_dict
    ack = do_acknowledge_conflict(
        change,
        conflict=f"booked:{other.number}",
        reason="Both touch different mailboxes on mx-01",
        actor=agent,
        at=T0 + dt.timedelta(days=2),
    )
    assert (ack.acknowledged_by, ack.conflict_kind) == (agent, "booked")
    assert unacknowledged_conflicts(change) == []
    assert find_conflicts(change)[0].acknowledgement == ack
    event = JournalEvent.objects.for_subject(change).get(
        event_type=EventType.CHANGE_CONFLICT_ACKNOWLEDGED
    )
    assert event.actor == agent
    assert event.data["conflict"] == find_conflicts(change)[0].description
    assert event.data["kind"] == "Same CI or service booked"
    assert event.data["reason"] == "Both touch different mailboxes on mx-01"
    assert move(change, "scheduled", agent, T0 + dt.timedelta(days=3)).state == State.SCHEDULED
    with pytest.raises(ValidationError):  # once is enough
        do_acknowledge_conflict(change, conflict=f"booked:{other.number}", reason="x", actor=agent)


def test_a_changed_plan_needs_a_new_acknowledgement(agent, mx):
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    change = planned(agent, at(MAR_9, 10), at(MAR_9, 12), cis=[mx], services_=[])
    key = f"booked:{other.number}"
    do_acknowledge_conflict(change, conflict=key, reason="Agreed with the mail team", actor=agent)
    change = move(change, "scheduled", agent, T0 + dt.timedelta(days=3))
    # Half an hour later: the same change conflicts, but not the acknowledged plan.
    later = {"planned_start": at(MAR_9, 10.5), "planned_end": at(MAR_9, 12.5)}
    with pytest.raises(ValidationError) as caught:
        services.do_update_change(change, actor=agent, expected_version=None, **later)
    assert "planned_start" in caught.value.error_dict
    change.refresh_from_db()
    assert change.planned_start == at(MAR_9, 10)
    # Acknowledged for the proposed plan, the edit goes through.
    do_acknowledge_conflict(change, conflict=key, reason="Still agreed", actor=agent, **later)
    change = services.do_update_change(change, actor=agent, expected_version=None, **later)
    assert change.planned_start == at(MAR_9, 10.5)
    assert ConflictAcknowledgement.objects.filter(change=change).count() == 2
    assert unacknowledged_conflicts(change) == []


def test_the_other_change_moving_is_a_new_conflict(agent, mx):
    other = booked(agent, at(MAR_9, 9), at(MAR_9, 11), cis=[mx], services_=[])
    change = planned(agent, at(MAR_9, 10), at(MAR_9, 12), cis=[mx], services_=[])
    do_acknowledge_conflict(change, conflict=f"booked:{other.number}", reason="ok", actor=agent)
    change = move(change, "scheduled", agent, T0 + dt.timedelta(days=3))
    # The other change is moved to end later (its own conflict with ours acknowledged first).
    later_end = {"planned_end": at(MAR_9, 11.5)}
    do_acknowledge_conflict(
        other, conflict=f"booked:{change.number}", reason="ok", actor=agent, **later_end
    )
    services.do_update_change(other, actor=agent, expected_version=None, **later_end)
    assert [c.key for c in unacknowledged_conflicts(change)] == [f"booked:{other.number}"]


def test_a_scheduled_window_is_no_longer_than_the_calendar_allows(agent, settings):
    settings.KAIZEN_CHANGE_LONGEST_WINDOW_HOURS = 24
    change = planned(agent, at(MAR_9, 0), at(MAR_9, 25))
    with pytest.raises(ValidationError) as caught:
        check_schedule(change)
    assert "at most 24 hours" in str(caught.value.error_dict["planned_end"])
