"""The planner: journal-driven, sampled with known probabilities, within each person's
cool-down and cap, excluding what the trigger excludes, never drawing twice."""

import datetime as dt
import math
import random

import pytest

from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.surveys.models import Invitation
from kaizen.surveys.planner import do_plan_invitations
from kaizen.surveys.services.definitions import do_update_trigger
from kaizen.surveys.tests.helpers import T0, make_survey, plan, requester, resolved_incident
from kaizen.testing import make_service, make_team, make_user

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_it_invites_the_caller_of_a_resolved_incident_once_even_when_run_again():
    make_survey()
    caller = requester("ann")
    incident = resolved_incident(caller)
    run = plan()
    assert (run.triggers_fired, run.drawn) == (1, 1)
    invitation = Invitation.objects.get()
    assert invitation.recipient == caller and invitation.ticket_number == incident.number
    assert invitation.inclusion_probability == 1.0 and invitation.state == "scheduled"
    assert invitation.triggered_at == T0
    assert plan().drawn == 0 and Invitation.objects.count() == 1


def test_reopened_and_resolved_again_is_not_surveyed_twice_by_the_same_trigger():
    make_survey()
    incident = resolved_incident()
    plan()
    move(incident, "in_progress", "resolved", at=T0 + DAY)
    run = plan(now=T0 + 2 * DAY)
    assert run.excluded == {"surveyed_already": 1}
    assert Invitation.objects.count() == 1


def test_cancelled_incidents_and_other_moves_start_nothing():
    make_survey()
    move(make_incident(caller=requester()), "cancelled", at=T0)
    move(make_incident(caller=requester()), "in_progress", "on_hold", at=T0)
    assert plan().triggers_fired == 0


def test_a_closed_trigger_skips_auto_closed_incidents(settings):
    settings.KAIZEN_AUTO_CLOSE_DAYS = 3
    from kaizen.incidents.services.auto_close import do_auto_close_resolved

    make_survey(outcome="closed")
    resolved_incident(at=T0)
    by_hand = resolved_incident(at=T0)
    agent = make_user("closer")
    move(by_hand, "closed", actor=agent, at=T0 + DAY)
    do_auto_close_resolved(now=T0 + 4 * DAY)
    run = plan(now=T0 + 5 * DAY)
    assert run.triggers_fired == 2 + 2  # both resolutions and both closes were read
    assert run.drawn == 1 and run.excluded == {"auto_closed": 1}
    assert Invitation.objects.get().ticket_number == by_hand.number


def test_it_excludes_agents_who_opened_and_solved_for_themselves_and_named_addresses():
    make_survey(excluded_addresses="boss@example.com\n@contractor.test")
    agent = make_user("selfie")
    mine = make_incident(caller=agent, actor=agent)
    move(mine, "in_progress", "resolved", actor=agent, at=T0)
    resolved_incident(requester("boss"))
    resolved_incident(requester("temp", email="temp@contractor.test"))
    kept = resolved_incident(requester("carl"))
    run = plan()
    assert run.excluded == {"agent_self_service": 1, "named_address": 2}
    assert [i.ticket_number for i in Invitation.objects.all()] == [kept.number]


def test_conditions_on_service_priority_team_and_channel():
    mail, web = make_service("Mail"), make_service("Web")
    team = make_team("Desk")
    make_survey(service_ids=[mail.pk], priorities=[4, 5], team_ids=[team.pk], channels=["email"])
    wanted = resolved_incident(service=mail, assignment_group=team, channel="email")
    resolved_incident(service=web, assignment_group=team, channel="email")
    resolved_incident(service=mail, assignment_group=team, channel="phone")
    resolved_incident(service=mail, channel="email")
    resolved_incident(service=mail, assignment_group=team, channel="email", impact=1, urgency=1)
    plan()
    assert [i.ticket_number for i in Invitation.objects.all()] == [wanted.number]


def test_the_cool_down_and_the_cap_are_never_exceeded():
    make_survey(cooldown_days=10, cap_count=2, cap_days=60)
    person = requester("busy")
    # Resolved every 4 days for 80 days: the cool-down allows every third one (0, 12, 24...),
    # the cap at most 2 in any 60 days: 24 and 36 are refused (0 and 12 are within (t-60, t]),
    # 60 is allowed (only 12 is within (0, 60]), then 72.
    for day in range(0, 80, 4):
        resolved_incident(person, at=T0 + day * DAY)
    plan(now=T0 + 90 * DAY)
    times = sorted(Invitation.objects.values_list("triggered_at", flat=True))
    assert all(b - a >= dt.timedelta(days=10) for a, b in zip(times, times[1:], strict=False))
    for time in times:
        assert sum(1 for t in times if time - dt.timedelta(days=60) < t <= time) <= 2
    assert times == [T0, T0 + 12 * DAY, T0 + 60 * DAY, T0 + 72 * DAY]


def test_the_inclusion_rate_holds_within_its_binomial_interval_and_is_recorded():
    make_survey(inclusion_rate=0.3)
    people = [requester() for _ in range(400)]
    for person in people:
        resolved_incident(person)
    run = do_plan_invitations(now=T0 + dt.timedelta(minutes=1), rng=random.Random(42))
    n, p = 400, 0.3
    half_width = 3 * math.sqrt(n * p * (1 - p))  # 3 standard deviations: 27.5
    assert abs(run.drawn - n * p) <= half_width
    assert run.drawn + run.not_drawn == n
    assert set(Invitation.objects.values_list("inclusion_probability", flat=True)) == {0.3}


def test_strata_give_their_own_rate_and_the_same_seed_draws_the_same_tickets():
    critical_service = make_service("Payroll")
    _, trigger = make_survey(
        inclusion_rate=0.1, strata=[{"service": critical_service.pk, "rate": 1.0}]
    )
    payroll = [resolved_incident(service=critical_service) for _ in range(5)]
    others = [resolved_incident() for _ in range(30)]
    plan(seed=7)
    probabilities = dict(Invitation.objects.values_list("ticket_number", "inclusion_probability"))
    assert all(probabilities[i.number] == 1.0 for i in payroll)
    assert all(probabilities.get(i.number, 0.1) == 0.1 for i in others)
    first = sorted(probabilities)
    Invitation.objects.all().delete()
    from kaizen.surveys.models import PlannerCursor

    PlannerCursor.objects.all().delete()
    plan(seed=7)
    assert sorted(Invitation.objects.values_list("ticket_number", flat=True)) == first


def test_the_delay_and_the_sending_window_follow_the_recipients_time_zone():
    make_survey(delay_minutes=60, window_start_hour=9, window_end_hour=17)
    tokyo = requester("kenji", time_zone="Asia/Tokyo")
    lisbon = requester("rita", time_zone="Europe/Lisbon")
    # 09:00 UTC + 1 h = 10:00 UTC: 19:00 in Tokyo (closed: next day 09:00 JST = 00:00 UTC),
    # 10:00 in Lisbon (open).
    resolved_incident(tokyo, at=T0)
    resolved_incident(lisbon, at=T0)
    plan()
    when = dict(Invitation.objects.values_list("recipient__username", "scheduled_for"))
    assert when["kenji"] == dt.datetime(2026, 3, 3, 0, tzinfo=dt.UTC)
    assert when["rita"] == dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    expiry = dict(Invitation.objects.values_list("recipient__username", "expires_at"))
    assert expiry["rita"] == dt.datetime(2026, 3, 16, 10, tzinfo=dt.UTC)


def test_an_inactive_trigger_draws_nothing_and_it_records_what_the_ticket_was():
    _, trigger = make_survey()
    do_update_trigger(trigger, actor=None, expected_version=None, is_active=False)
    resolved_incident()
    assert plan().drawn == 0
    do_update_trigger(trigger, actor=None, expected_version=None, is_active=True)
    team = make_team("Network")
    incident = make_incident(caller=requester(), assignment_group=team, impact=1, urgency=2)
    move(incident, "in_progress", "resolved", at=T0 + dt.timedelta(hours=5))
    plan(now=T0 + DAY)
    invitation = Invitation.objects.get()
    assert invitation.team == team and invitation.priority == incident.priority
    assert invitation.sla_breached is False


def test_the_command_runs_once_and_prints_what_it_did():
    import json
    from io import StringIO

    from django.core.management import call_command

    make_survey()
    resolved_incident(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    out = StringIO()
    call_command("surveys", "run", "--seed", "1", stdout=out)
    result = json.loads(out.getvalue())
    assert result["planned"]["drawn"] == 1 and result["sent"]["sent"] == 1


def test_people_who_switched_off_surveys_are_not_asked():
    from kaizen.notifications.models import NotificationOptOut

    make_survey()
    quiet = requester("quiet")
    NotificationOptOut.objects.create(user=quiet, category="satisfaction_surveys")
    resolved_incident(quiet)
    resolved_incident(requester("chatty"))
    run = plan()
    assert run.excluded == {"opted_out": 1}
    assert [i.recipient.username for i in Invitation.objects.all()] == ["chatty"]
