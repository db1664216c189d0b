"""Initiatives: creation and edits, the KPIs of step 1, the decision and report link of
step 6, the corrective actions of step 7, and opportunities turned into initiatives."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kaizen.improvement import services, sharing
from kaizen.improvement.models import (
    ActionStatus,
    DecisionKind,
    GateMode,
    Initiative,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Origin,
    Status,
    Step,
)
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def events(subject, event_type) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(subject).filter(event_type=event_type))


def last_event(subject) -> JournalEvent:
    return JournalEvent.objects.for_subject(subject).latest("id")


def at_step(initiative: Initiative, step: int) -> Initiative:
    """Put an initiative at a step without its outputs (for rules that depend on the step
    alone; the gates have their own tests)."""
    Initiative.objects.filter(pk=initiative.pk).update(current_step=step)
    initiative.refresh_from_db()
    return initiative


# -- creating and editing ------------------------------------------------------------------------


def test_it_creates_an_initiative_at_step_1_and_journals_it(csi_manager, process_owner):
    email = make_service("Email")
    goal = make_goal()
    initiative = make_initiative(
        owner=process_owner, actor=csi_manager, services=[email], goals=[goal]
    )
    assert (initiative.status, initiative.current_step, initiative.cycle) == (
        Status.ACTIVE,
        Step.SHOULD_MEASURE,
        1,
    )
    assert initiative.gate_mode == GateMode.STRICT
    assert initiative.starts_on == timezone.localdate()
    event = last_event(initiative)
    assert event.event_type == EventType.INITIATIVE_CREATED and event.actor == csi_manager
    assert event.changes["title"]["new"] == "Faster incident resolution"
    assert event.changes["services"]["new"] == [{"id": email.pk, "repr": "Email"}]
    assert event.changes["goals"]["new"][0]["id"] == goal.pk


def test_it_takes_the_gate_mode_from_the_setting(settings, process_owner):
    settings.KAIZEN_IMPROVEMENT_GATE_MODE = "advisory"
    assert make_initiative(owner=process_owner).gate_mode == GateMode.ADVISORY
    assert make_initiative(owner=process_owner, gate_mode="strict").gate_mode == GateMode.STRICT


def test_it_refuses_an_owner_who_is_not_an_agent(requester):
    with pytest.raises(ValidationError) as error:
        make_initiative(owner=requester)
    assert "owner" in error.value.message_dict


def test_it_refuses_an_unknown_process_and_a_missing_problem_statement(process_owner):
    with pytest.raises(ValidationError) as error:
        make_initiative(owner=process_owner, process="billing")
    assert "process" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_initiative(owner=process_owner, problem_statement="  ")
    assert "problem_statement" in error.value.message_dict


def test_it_updates_fields_and_relations_and_journals_old_and_new(csi_manager, process_owner):
    initiative = make_initiative(owner=process_owner)
    goal = make_goal()
    services.do_update_initiative(
        initiative, actor=csi_manager, priority=2, goals=[goal], gate_mode="advisory"
    )
    event = last_event(initiative)
    assert event.event_type == EventType.INITIATIVE_UPDATED
    assert event.changes["priority"] == {"old": 3, "new": 2}
    assert event.changes["gate_mode"] == {"old": "strict", "new": "advisory"}
    assert event.changes["goals"] == {"old": [], "new": [{"id": goal.pk, "repr": str(goal)}]}
    count = JournalEvent.objects.count()
    services.do_update_initiative(initiative, actor=csi_manager, priority=2, goals=[goal])
    assert JournalEvent.objects.count() == count  # nothing changed, nothing journaled


def test_it_refuses_to_change_a_closed_initiative(process_owner):
    initiative = make_initiative(owner=process_owner)
    Initiative.objects.filter(pk=initiative.pk).update(status=Status.COMPLETED)
    with pytest.raises(ValidationError) as error:
        services.do_update_initiative(initiative, actor=None, title="Again")
    assert "status" in error.value.message_dict


# -- step 1: KPIs --------------------------------------------------------------------------------


def test_it_adds_a_kpi_with_the_library_thresholds_and_journals_it(process_owner):
    goal = make_goal()
    initiative = make_initiative(owner=process_owner, goals=[goal])
    ikpi = services.do_add_initiative_kpi(
        initiative, actor=process_owner, kpi_key="incident.sla_met_pct", goal=goal
    )
    assert (ikpi.target, ikpi.warning, ikpi.goal) == (95.0, 90.0, goal)
    event = last_event(initiative)
    assert event.event_type == EventType.INITIATIVE_KPI_ADDED
    assert event.data["initiative_kpi"] == ikpi.pk
    assert event.data["kpi_key"] == "incident.sla_met_pct"


def test_it_refuses_unknown_duplicate_and_badly_bounded_kpis(process_owner):
    initiative = make_initiative(owner=process_owner)
    with pytest.raises(ValidationError) as error:
        add_kpi(initiative, "incident.made_up")
    assert "kpi_key" in error.value.message_dict
    add_kpi(initiative, "incident.sla_met_pct")
    with pytest.raises(ValidationError):
        add_kpi(initiative, "incident.sla_met_pct")
    with pytest.raises(ValidationError) as error:  # higher is better: warning below target
        add_kpi(initiative, "incident.first_contact_resolution_pct", target=70, warning=80)
    assert "warning" in error.value.message_dict


def test_it_ties_kpis_only_to_goals_the_initiative_serves(process_owner):
    initiative = make_initiative(owner=process_owner)
    elsewhere = make_goal("Someone else's goal")
    with pytest.raises(ValidationError) as error:
        add_kpi(initiative, goal=elsewhere)
    assert "goal" in error.value.message_dict


def test_it_changes_kpis_only_in_steps_1_and_2(process_owner):
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative)
    at_step(initiative, 3)
    with pytest.raises(ValidationError) as error:
        add_kpi(initiative, "incident.opened")
    assert "step 1" in error.value.message_dict["kpi_key"][0]
    with pytest.raises(ValidationError):
        services.do_remove_initiative_kpi(ikpi, actor=None)


def test_it_updates_a_kpi_and_validates_its_processing(process_owner):
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative)
    services.do_update_initiative_kpi(ikpi, actor=process_owner, target=12, breakdown="team")
    event = last_event(initiative)
    assert event.event_type == EventType.INITIATIVE_KPI_UPDATED
    assert event.changes == {
        "target": {"old": 8.0, "new": 12.0},
        "breakdown": {"old": "category", "new": "team"},
    }
    assert event.data == {"initiative_kpi": ikpi.pk, "kpi_key": ikpi.kpi_key}
    with pytest.raises(ValidationError) as error:
        services.do_update_initiative_kpi(ikpi, actor=None, breakdown="colour")
    assert "breakdown" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.do_update_initiative_kpi(
            ikpi,
            actor=None,
            analysis_starts_on=dt.date(2026, 1, 1),
            analysis_ends_on=dt.date(2026, 6, 30),
            change_on=dt.date(2026, 7, 15),
        )
    assert "change_on" in error.value.message_dict


def test_it_fixes_processing_once_the_analysis_went_to_the_decision(process_owner):
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative)
    at_step(initiative, 6)
    with pytest.raises(ValidationError) as error:
        services.do_update_initiative_kpi(ikpi, actor=None, period_kind="month")
    assert "period_kind" in error.value.message_dict
    # Collection goes on whatever the step.
    services.do_update_initiative_kpi(ikpi, actor=None, schedule="hourly")


def test_it_removes_a_kpi_and_journals_it(process_owner):
    initiative = make_initiative(owner=process_owner)
    ikpi = add_kpi(initiative)
    pk = ikpi.pk
    services.do_remove_initiative_kpi(ikpi, actor=process_owner)
    assert not initiative.kpis.exists()
    event = last_event(initiative)
    assert event.event_type == EventType.INITIATIVE_KPI_REMOVED
    assert event.data == {"initiative_kpi": pk, "kpi_key": "incident.resolution_hours_median"}


# -- step 6: decision and report -----------------------------------------------------------------


def test_it_records_decisions_only_at_step_6_with_a_rationale(process_owner):
    initiative = make_initiative(owner=process_owner)
    with pytest.raises(ValidationError) as error:
        services.do_record_decision(
            initiative, actor=process_owner, decision="implement", rationale="Go"
        )
    assert "decision" in error.value.message_dict
    at_step(initiative, 6)
    with pytest.raises(ValidationError) as error:
        services.do_record_decision(
            initiative, actor=process_owner, decision="implement", rationale=" "
        )
    assert "rationale" in error.value.message_dict


def test_it_moves_to_step_7_on_implement_and_journals_both(process_owner):
    initiative = at_step(make_initiative(owner=process_owner), 6)
    decision = services.do_record_decision(
        initiative, actor=process_owner, decision=DecisionKind.IMPLEMENT, rationale="Worth it"
    )
    assert (decision.cycle, decision.decided_by) == (1, process_owner)
    initiative.refresh_from_db()
    assert initiative.current_step == Step.IMPLEMENT
    recorded = events(initiative, EventType.DECISION_RECORDED)[-1]
    assert recorded.data["decision"] == decision.pk and recorded.data["kind"] == "implement"
    moved = events(initiative, EventType.INITIATIVE_STEP_CHANGED)[-1]
    assert (moved.data["from"], moved.data["to"]) == (6, 7)


def test_it_goes_back_to_step_3_to_keep_measuring(process_owner):
    initiative = at_step(make_initiative(owner=process_owner), 6)
    services.do_record_decision(
        initiative, actor=process_owner, decision="keep_measuring", rationale="Too early"
    )
    initiative.refresh_from_db()
    assert initiative.current_step == Step.GATHER and initiative.status == Status.ACTIVE


def test_it_closes_the_initiative_when_the_decision_is_stop(process_owner):
    initiative = at_step(make_initiative(owner=process_owner), 6)
    services.do_record_decision(initiative, actor=process_owner, decision="stop", rationale="No")
    initiative.refresh_from_db()
    assert initiative.status == Status.STOPPED and initiative.closed_at is not None
    event = events(initiative, EventType.DECISION_RECORDED)[-1]
    assert event.changes["status"] == {"old": "active", "new": "stopped"}


def test_it_keeps_only_the_hash_of_the_link_and_revokes_it(process_owner):
    initiative = make_initiative(owner=process_owner)
    token = services.do_share_report(initiative, actor=process_owner)
    assert len(token) >= 43
    initiative.refresh_from_db()
    assert initiative.share_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Initiative.objects.filter(pk=initiative.pk).values().get())
    assert sharing.shared_initiative(token) == initiative
    services.do_unshare_report(initiative, actor=process_owner)
    services.do_unshare_report(initiative, actor=process_owner)
    initiative.refresh_from_db()
    assert initiative.share_token_hash is None and initiative.share_expires_at is None
    assert sharing.shared_initiative(token) is None
    assert len(events(initiative, EventType.REPORT_UNSHARED)) == 1


def test_a_new_link_replaces_the_old_one_and_both_are_journaled(process_owner):
    initiative = make_initiative(owner=process_owner)
    first = services.do_share_report(initiative, actor=process_owner)
    second = services.do_share_report(initiative, actor=process_owner, days=3)
    assert first != second
    assert sharing.shared_initiative(first) is None
    assert sharing.shared_initiative(second) == initiative
    made = events(initiative, EventType.REPORT_SHARED)
    assert [event.data["replaced"] for event in made] == [False, True]
    initiative.refresh_from_db()
    assert made[-1].data["expires_at"] == initiative.share_expires_at.isoformat()
    services.do_unshare_report(initiative, actor=process_owner)
    revoked = events(initiative, EventType.REPORT_UNSHARED)[-1]
    assert revoked.data["expires_at"] == made[-1].data["expires_at"]


def test_a_link_expires_after_the_default_days_or_those_chosen(settings, process_owner):
    settings.KAIZEN_SHARE_LINK_DAYS = 10
    settings.KAIZEN_SHARE_LINK_MAX_DAYS = 60
    initiative = make_initiative(owner=process_owner)
    now = timezone.now()
    services.do_share_report(initiative, actor=process_owner, now=now)
    assert initiative.share_expires_at == now + dt.timedelta(days=10)
    services.do_share_report(initiative, actor=process_owner, days=60, now=now)
    assert initiative.share_expires_at == now + dt.timedelta(days=60)
    last_day = timezone.localdate(now) + dt.timedelta(days=5)
    services.do_share_report(initiative, actor=process_owner, expires_on=last_day, now=now)
    assert timezone.localtime(initiative.share_expires_at).date() == last_day + dt.timedelta(days=1)
    assert timezone.localtime(initiative.share_expires_at).time() == dt.time()


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 61}, "days"),
        ({"expires_on": -1}, "expires_on"),
        ({"expires_on": 61}, "expires_on"),
        ({"days": 3, "expires_on": 3}, "expires_on"),
    ],
)
def test_it_refuses_an_expiry_past_the_maximum_or_gone(settings, process_owner, choice, field):
    settings.KAIZEN_SHARE_LINK_MAX_DAYS = 60
    initiative = make_initiative(owner=process_owner)
    if "expires_on" in choice:
        choice = {**choice, "expires_on": timezone.localdate() + dt.timedelta(choice["expires_on"])}
    with pytest.raises(ValidationError) as refused:
        services.do_share_report(initiative, actor=process_owner, **choice)
    assert field in refused.value.error_dict
    initiative.refresh_from_db()
    assert initiative.share_token_hash is None
    assert not events(initiative, EventType.REPORT_SHARED)


def test_an_expired_link_opens_nothing(process_owner):
    initiative = make_initiative(owner=process_owner)
    token = services.do_share_report(
        initiative, actor=process_owner, days=1, now=timezone.now() - dt.timedelta(days=2)
    )
    assert sharing.shared_initiative(token) is None
    initiative.refresh_from_db()
    assert not sharing.is_live(initiative)


# -- step 7: actions -----------------------------------------------------------------------------


@pytest.fixture
def implementing(process_owner):
    return at_step(make_initiative(owner=process_owner, evaluation_window_days=28), 7)


def test_it_creates_actions_only_at_step_7_with_an_agent_owner(process_owner, requester):
    initiative = make_initiative(owner=process_owner)
    due = dt.date(2026, 5, 1)
    with pytest.raises(ValidationError):
        services.do_create_action(
            initiative, actor=None, title="Fix", owner=process_owner, due_on=due
        )
    at_step(initiative, 7)
    with pytest.raises(ValidationError) as error:
        services.do_create_action(initiative, actor=None, title="Fix", owner=requester, due_on=due)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.do_create_action(
            initiative, actor=None, title="Fix", owner=process_owner, due_on=None
        )
    assert "due_on" in error.value.message_dict
    action = services.do_create_action(
        initiative,
        actor=process_owner,
        title="Fix",
        owner=process_owner,
        due_on=due,
        change_reference="CHG0042",
    )
    event = last_event(initiative)
    assert event.event_type == EventType.ACTION_CREATED and event.data["action"] == action.pk


def test_it_opens_the_evaluation_window_when_the_last_action_is_done(implementing, process_owner):
    first = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    second = services.do_create_action(
        implementing, actor=None, title="Train", owner=process_owner, due_on=dt.date(2026, 4, 8)
    )
    services.do_update_action(first, actor=process_owner, status="done", today=dt.date(2026, 4, 3))
    first.refresh_from_db()
    assert first.done_on == dt.date(2026, 4, 3)
    implementing.refresh_from_db()
    assert implementing.status == Status.ACTIVE
    services.do_update_action(second, actor=process_owner, status="cancelled")
    implementing.refresh_from_db()
    assert implementing.status == Status.EVALUATING
    assert implementing.evaluation_starts_on == dt.date(2026, 4, 4)
    assert implementing.evaluation_ends_on == dt.date(2026, 5, 1)  # 28 days
    opened = events(implementing, EventType.INITIATIVE_UPDATED)[-1]
    assert opened.changes["status"] == {"old": "active", "new": "evaluating"}


def test_it_needs_one_action_done_not_only_cancelled(implementing, process_owner):
    action = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    services.do_update_action(action, actor=None, status=ActionStatus.CANCELLED)
    implementing.refresh_from_db()
    assert implementing.status == Status.ACTIVE and implementing.evaluation_starts_on is None


def test_it_reopens_a_done_action_journals_it_and_closes_the_window(implementing, process_owner):
    action = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    services.do_update_action(
        action, actor=None, status="done", done_on=dt.date(2026, 4, 2), today=dt.date(2026, 4, 2)
    )
    implementing.refresh_from_db()
    assert implementing.status == Status.EVALUATING
    services.do_update_action(action, actor=process_owner, status=ActionStatus.IN_PROGRESS)
    action.refresh_from_db()
    assert action.done_on is None
    updated = [
        e for e in events(implementing, EventType.ACTION_UPDATED) if e.data["action"] == action.pk
    ][-1]
    assert updated.data["reopened"] is True
    assert updated.changes["status"] == {"old": "done", "new": "in_progress"}
    implementing.refresh_from_db()
    assert implementing.status == Status.ACTIVE
    assert implementing.evaluation_starts_on is None and implementing.evaluation_ends_on is None


def test_it_refuses_a_done_date_in_the_future_or_on_an_unfinished_action(
    implementing, process_owner
):
    action = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    with pytest.raises(ValidationError) as error:
        services.do_update_action(
            action,
            actor=None,
            status="done",
            done_on=dt.date(2026, 4, 9),
            today=dt.date(2026, 4, 2),
        )
    assert "done_on" in error.value.message_dict
    action.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.do_update_action(action, actor=None, done_on=dt.date(2026, 4, 1))
    assert "done_on" in error.value.message_dict


def test_it_closes_the_window_again_when_a_new_action_is_added(implementing, process_owner):
    action = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    services.do_update_action(action, actor=None, status="done", today=dt.date(2026, 4, 2))
    implementing.refresh_from_db()
    assert implementing.status == Status.EVALUATING
    services.do_create_action(
        implementing, actor=None, title="More", owner=process_owner, due_on=dt.date(2026, 5, 1)
    )
    implementing.refresh_from_db()
    assert implementing.status == Status.ACTIVE


def test_it_moves_the_window_end_with_its_length(implementing, process_owner):
    action = services.do_create_action(
        implementing, actor=None, title="Route", owner=process_owner, due_on=dt.date(2026, 4, 1)
    )
    services.do_update_action(action, actor=None, status="done", today=dt.date(2026, 4, 2))
    services.do_update_initiative(implementing, actor=None, evaluation_window_days=14)
    implementing.refresh_from_db()
    assert implementing.evaluation_ends_on == dt.date(2026, 4, 16)


# -- opportunities -------------------------------------------------------------------------------


def make_opportunity(**fields) -> Opportunity:
    now = timezone.now()
    fields.setdefault("kind", OpportunityKind.ADVERSE_TREND)
    fields.setdefault("fingerprint", f"adverse_trend:{fields.get('kpi_key', '')}:email")
    fields.setdefault("title", "Resolution time rising for Email")
    fields.setdefault("summary", "The median resolution time of Email incidents rose 40 %.")
    fields.setdefault("strength", 3.5)
    return Opportunity.objects.create(first_seen_at=now, last_seen_at=now, **fields)


def test_it_starts_an_initiative_from_an_opportunity(csi_manager, process_owner):
    email = make_service("Email")
    opportunity = make_opportunity(
        kpi_key="incident.resolution_hours_median", dimension="service", dimension_value="Email"
    )
    initiative = services.do_start_initiative_from_opportunity(
        opportunity, actor=csi_manager, owner=process_owner
    )
    assert initiative.origin == Origin.OPPORTUNITY and initiative.opportunity == opportunity
    assert initiative.title == opportunity.title and initiative.owner == process_owner
    assert initiative.problem_statement == opportunity.summary
    assert list(initiative.services.all()) == [email]
    assert [k.kpi_key for k in initiative.kpis.all()] == ["incident.resolution_hours_median"]
    assert initiative.process == "incident"
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.STARTED
    assert opportunity.initiative == initiative
    assert last_event(opportunity).changes["status"] == {"old": "open", "new": "started"}
    assert events(initiative, EventType.INITIATIVE_CREATED)
    with pytest.raises(ValidationError) as error:
        services.do_start_initiative_from_opportunity(opportunity, actor=csi_manager)
    assert "status" in error.value.message_dict


def test_it_dismisses_an_opportunity_with_a_reason_and_keeps_its_strength(csi_manager):
    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as error:
        services.do_dismiss_opportunity(opportunity, actor=csi_manager, reason="")
    assert "reason" in error.value.message_dict
    services.do_dismiss_opportunity(opportunity, actor=csi_manager, reason="Seasonal peak")
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.DISMISSED
    assert opportunity.dismissed_by == csi_manager and opportunity.dismissed_strength == 3.5
    assert opportunity.dismissed_reason == "Seasonal peak"
    event = last_event(opportunity)
    assert event.event_type == EventType.OPPORTUNITY_DISMISSED
    assert event.changes["dismissed_reason"]["new"] == "Seasonal peak"
    # A dismissed opportunity may still be started later.
    initiative = services.do_start_initiative_from_opportunity(opportunity, actor=csi_manager)
    assert initiative.owner == csi_manager


def test_the_migration_hashes_the_links_made_before_and_lets_them_expire(settings, process_owner):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("kaizen.improvement.migrations.0004_share_link_hashed")
    settings.KAIZEN_SHARE_LINK_DAYS = 30
    initiative = make_initiative(owner=process_owner)
    unshared = make_initiative(owner=process_owner)
    # A link made before: its plain token was stored.
    Initiative.objects.filter(pk=initiative.pk).update(share_token_hash="old-plain-token")
    migration.hash_tokens(apps, None)
    initiative.refresh_from_db()
    assert initiative.share_token_hash == hashlib.sha256(b"old-plain-token").hexdigest()
    assert sharing.shared_initiative("old-plain-token") == initiative
    days_left = initiative.share_expires_at - timezone.now()
    assert dt.timedelta(days=29) < days_left <= dt.timedelta(days=30)
    unshared.refresh_from_db()
    assert unshared.share_token_hash is None and unshared.share_expires_at is None
