"""Goals: the tree from vision to operational goals, success factors and their KPIs."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.improvement import services
from kaizen.improvement.models import GoalLevel
from kaizen.improvement.tests.helpers import make_goal
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people.models import UserKind
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def last_event(subject) -> JournalEvent:
    return JournalEvent.objects.for_subject(subject).latest("id")


def test_it_creates_a_goal_and_journals_every_field(csi_manager):
    vision = services.do_create_goal(
        actor=csi_manager,
        level=GoalLevel.VISION,
        title="  IT people can rely on  ",
        owner=csi_manager,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2028, 12, 31),
    )
    assert vision.title == "IT people can rely on"
    event = last_event(vision)
    assert event.event_type == EventType.GOAL_CREATED
    assert event.actor == csi_manager
    assert event.changes["level"] == {"old": "", "new": "vision"}
    assert event.changes["owner"]["new"]["id"] == csi_manager.pk


def test_it_builds_the_tree_one_level_at_a_time():
    vision = make_goal("Reliable IT", level=GoalLevel.VISION)
    strategy = make_goal("Stable services", level=GoalLevel.STRATEGY, parent=vision)
    tactical = make_goal("Fewer long outages", level=GoalLevel.TACTICAL, parent=strategy)
    operational = make_goal("P1 fixed in 4h", parent=tactical)
    assert operational.parent.parent.parent == vision
    with pytest.raises(ValidationError) as error:
        make_goal("Skips a level", parent=strategy)
    assert error.value.message_dict["parent"] == [
        "the parent of an operational goal is a tactical goal, not a strategy"
    ]
    with pytest.raises(ValidationError) as error:
        make_goal("Under an operational goal", parent=operational)
    assert error.value.message_dict["parent"] == [
        "the parent of an operational goal is a tactical goal, not an operational goal"
    ]


def test_it_refuses_a_parent_for_a_vision():
    vision = make_goal("Reliable IT", level=GoalLevel.VISION)
    with pytest.raises(ValidationError) as error:
        make_goal("Second vision", level=GoalLevel.VISION, parent=vision)
    assert "parent" in error.value.message_dict


def test_it_refuses_an_end_before_the_start_and_a_blank_title():
    with pytest.raises(ValidationError) as error:
        make_goal(starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 5, 1))
    assert "ends_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_goal("   ")
    assert "title" in error.value.message_dict


def test_it_refuses_a_requester_as_owner(requester):
    assert requester.kind == UserKind.REQUESTER
    with pytest.raises(ValidationError) as error:
        make_goal(owner=requester)
    assert "owner" in error.value.message_dict


def test_it_updates_a_goal_and_journals_only_what_changed(csi_manager):
    goal = make_goal()
    services.do_update_goal(goal, actor=csi_manager, title="Resolve incidents faster", ends_on=None)
    assert (
        not JournalEvent.objects.for_subject(goal)
        .filter(event_type=EventType.GOAL_UPDATED)
        .exists()
    )
    services.do_update_goal(goal, actor=csi_manager, description="Median under a working day")
    event = last_event(goal)
    assert event.event_type == EventType.GOAL_UPDATED
    assert set(event.changes) == {"description"}


def test_it_refuses_a_level_change_that_would_orphan_its_sub_goals():
    strategy = make_goal("Stable services", level=GoalLevel.STRATEGY)
    make_goal("Fewer outages", level=GoalLevel.TACTICAL, parent=strategy)
    with pytest.raises(ValidationError) as error:
        services.do_update_goal(strategy, actor=None, level=GoalLevel.TACTICAL)
    assert "level" in error.value.message_dict
    strategy.refresh_from_db()
    assert strategy.level == GoalLevel.STRATEGY


def test_it_adds_success_factors_and_kpis_from_the_library(csi_manager):
    goal = make_goal()
    factor = services.do_add_success_factor(goal, actor=csi_manager, title="Right first team")
    assert last_event(goal).data == {"success_factor_added": factor.pk, "title": "Right first team"}
    goal_kpi = services.do_attach_goal_kpi(
        goal,
        actor=csi_manager,
        kpi_key="incident.resolution_hours_median",
        target=8,
        success_factor=factor,
    )
    event = last_event(goal)
    assert event.data["goal_kpi"] == goal_kpi.pk
    assert event.data["kpi_attached"] == "incident.resolution_hours_median"
    assert goal_kpi.target == 8.0


def test_it_refuses_kpis_the_library_does_not_have_or_has_already_attached():
    goal = make_goal()
    with pytest.raises(ValidationError) as error:
        services.do_attach_goal_kpi(goal, actor=None, kpi_key="incident.made_up")
    assert "kpi_key" in error.value.message_dict
    services.do_attach_goal_kpi(goal, actor=None, kpi_key="incident.opened")
    with pytest.raises(ValidationError):
        services.do_attach_goal_kpi(goal, actor=None, kpi_key="incident.opened")


def test_it_refuses_a_success_factor_of_another_goal():
    goal, other = make_goal(), make_goal("Another")
    factor = services.do_add_success_factor(other, actor=None, title="Elsewhere")
    with pytest.raises(ValidationError) as error:
        services.do_attach_goal_kpi(
            goal, actor=None, kpi_key="incident.opened", success_factor=factor
        )
    assert "success_factor" in error.value.message_dict


def test_it_detaches_a_kpi_and_journals_it():
    goal = make_goal()
    goal_kpi = services.do_attach_goal_kpi(goal, actor=None, kpi_key="incident.opened")
    services.do_detach_goal_kpi(goal_kpi, actor=make_user("ivan"))
    assert not goal.kpis.exists()
    assert last_event(goal).data["kpi_detached"] == "incident.opened"
