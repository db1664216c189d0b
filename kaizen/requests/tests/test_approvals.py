"""Approvals of service requests through the services: every policy with its early decision,
steps in sequence, nobody approving their own request, the approvers a step falls back to,
delegation while away, due dates with their default action, and the journal. Expected
values are counted by hand in the comments."""

import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.management import call_command

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import Notification
from kaizen.people.delegations import do_delegate, do_revoke_delegation
from kaizen.people.models import Process, ProcessRole, Role, UserKind
from kaizen.people.services import do_update_user
from kaizen.requests.models import Decision, State, StepState
from kaizen.requests.services import approvals
from kaizen.requests.services.approvals import do_apply_due_approvals, do_decide
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def requester_with_manager(manager=None):
    manager = manager or make_user("manny")
    requester = make_user(kind=UserKind.REQUESTER)
    do_update_user(requester, actor=None, manager=manager)
    requester.refresh_from_db()
    return requester, manager


def people_step(people, policy="any", required=None, **extra):
    step = {
        "name": "Approvers",
        "approver_source": "people",
        "people": [person.pk for person in people],
        "policy": policy,
        **extra,
    }
    if required is not None:
        step["required"] = required
    return step


def submit(steps, requester=None, **kwargs):
    request_type = make_request_type(steps=steps, **kwargs)
    return make_request(request_type, requester or make_user(kind=UserKind.REQUESTER), at=AT)


def votes_of(request, position=1):
    step = request.approvals.get(position=position)
    return {vote.approver.username: vote.decision for vote in step.votes.all()}


def kinds(request):
    approval_kinds = {
        EventType.REQUEST_APPROVAL_REQUESTED,
        EventType.REQUEST_APPROVAL_VOTED,
        EventType.REQUEST_APPROVAL_CONCLUDED,
    }
    return [
        (event.event_type, event.data.get("step"))
        for event in JournalEvent.objects.for_subject(request).order_by("id")
        if event.event_type in approval_kinds
    ]


def refreshed(request):
    request.refresh_from_db()
    return request


# -- policies ----------------------------------------------------------------------------------


def test_any_one_the_managers_approval_approves_the_request():
    requester, manager = requester_with_manager()
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    assert request.state == State.AWAITING_APPROVAL
    assert votes_of(request) == {"manny": Decision.PENDING}
    do_decide(request, actor=manager, decision="approve", comment="fine", at=AT + HOUR)
    request = refreshed(request)
    assert request.state == State.APPROVED
    assert request.approved_at == AT + HOUR
    step = request.approvals.get()
    assert step.state == StepState.APPROVED
    assert step.outcome_note == "1 of 1 needed approved (1 asked)"
    assert kinds(request) == [
        (EventType.REQUEST_APPROVAL_REQUESTED, 1),
        (EventType.REQUEST_APPROVAL_VOTED, 1),
        (EventType.REQUEST_APPROVAL_CONCLUDED, 1),
    ]
    voted = JournalEvent.objects.for_subject(request).get(
        event_type=EventType.REQUEST_APPROVAL_VOTED
    )
    assert voted.actor == manager
    assert voted.data["decision"] == "approved" and voted.data["comment"] == "fine"


def test_any_one_of_three_the_first_approval_decides_and_the_others_are_not_needed():
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    request = submit([people_step([ann, bob, cid], "any")])
    do_decide(request, actor=bob, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.APPROVED
    assert votes_of(request) == {
        "ann": Decision.NOT_NEEDED,
        "bob": Decision.APPROVED,
        "cid": Decision.NOT_NEEDED,
    }


def test_any_one_of_two_one_rejection_leaves_the_other_to_decide():
    # k = 1 of 2: after one rejection 0 approvals + 1 pending >= 1, so still open.
    ann, bob = make_user("ann"), make_user("bob")
    request = submit([people_step([ann, bob], "any")])
    do_decide(request, actor=ann, decision="reject", comment="no budget", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=bob, decision="reject", comment="agreed", at=AT + 2 * HOUR)
    request = refreshed(request)
    assert request.state == State.REJECTED
    # The last rejection's comment is the reason.
    assert request.rejection_reason == "agreed"


def test_all_one_rejection_rejects_at_once_with_its_comment():
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    request = submit([people_step([ann, bob, cid], "all")])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=bob, decision="reject", comment="Too expensive", at=AT + 2 * HOUR)
    request = refreshed(request)
    assert request.state == State.REJECTED
    assert request.rejection_reason == "Too expensive"
    assert votes_of(request) == {
        "ann": Decision.APPROVED,
        "bob": Decision.REJECTED,
        "cid": Decision.NOT_NEEDED,
    }
    step = request.approvals.get()
    assert step.outcome_note == "rejected by Bob"
    concluded = JournalEvent.objects.for_subject(request).get(
        event_type=EventType.REQUEST_APPROVAL_CONCLUDED
    )
    assert concluded.data == {
        "step": 1,
        "step_name": "Approvers",
        "outcome": "rejected",
        "note": "rejected by Bob",
        "due": False,
    }


def test_all_every_approver_must_approve():
    ann, bob = make_user("ann"), make_user("bob")
    request = submit([people_step([ann, bob], "all")])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=bob, decision="approve", at=AT + 2 * HOUR)
    request = refreshed(request)
    assert request.state == State.APPROVED
    assert request.approvals.get().outcome_note == "all 2 approved"


def test_k_of_n_is_approved_at_the_kth_approval():
    # 2 of 3: approvals 1, 2 -> approved at the second; the third is not needed.
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    request = submit([people_step([ann, bob, cid], "k_of_n", required=2)])
    do_decide(request, actor=cid, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=ann, decision="approve", at=AT + 2 * HOUR)
    request = refreshed(request)
    assert request.state == State.APPROVED
    assert votes_of(request)["bob"] == Decision.NOT_NEEDED
    assert request.approvals.get().outcome_note == "2 of 2 needed approved (3 asked)"


def test_k_of_n_is_rejected_as_soon_as_k_can_no_longer_be_reached():
    # 2 of 4: after 2 rejections, 0 approvals + 2 pending = 2 >= 2 (still open); after the
    # third, 0 + 1 < 2: rejected, and the fourth vote is not needed.
    people = [make_user(name) for name in ("ann", "bob", "cid", "dan")]
    request = submit([people_step(people, "k_of_n", required=2)])
    do_decide(request, actor=people[0], decision="reject", at=AT + HOUR)
    do_decide(request, actor=people[1], decision="reject", at=AT + 2 * HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=people[2], decision="reject", at=AT + 3 * HOUR)
    request = refreshed(request)
    assert request.state == State.REJECTED
    assert votes_of(request)["dan"] == Decision.NOT_NEEDED
    note = "3 rejected: 2 approvals can no longer be reached (4 asked)"
    assert request.approvals.get().outcome_note == note
    # No comment: the reason names the step and how it ended.
    assert request.rejection_reason == f"Approvers: {note}"


def test_k_of_n_one_approval_then_rejections():
    # 2 of 3: approve (1 + 2 pending), reject (1 + 1 = 2, open), reject (1 + 0 < 2): rejected.
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    request = submit([people_step([ann, bob, cid], "k_of_n", required=2)])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    do_decide(request, actor=bob, decision="reject", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL
    do_decide(request, actor=cid, decision="reject", comment="not now", at=AT + HOUR)
    assert refreshed(request).state == State.REJECTED


def test_steps_run_in_sequence_and_a_rejection_withdraws_the_later_ones():
    requester, manager = requester_with_manager()
    owner_team_member = make_user("tess")
    second = make_user("sam")
    steps = [
        {"name": "Line manager", "approver_source": "requester_manager"},
        people_step([owner_team_member], name="Finance"),
        people_step([second], name="Security"),
    ]
    request = submit(steps, requester)
    states = dict(request.approvals.values_list("position", "state"))
    assert states == {1: "pending", 2: "waiting", 3: "waiting"}
    assert not request.approvals.get(position=2).votes.exists()
    do_decide(request, actor=manager, decision="approve", at=AT + HOUR)
    request = refreshed(request)
    assert request.state == State.AWAITING_APPROVAL
    step2 = request.approvals.get(position=2)
    assert (step2.state, step2.started_at) == (StepState.PENDING, AT + HOUR)
    assert votes_of(request, 2) == {"tess": Decision.PENDING}
    # The first step's approver has nothing more to decide.
    with pytest.raises(Conflict, match="not asked to decide step 2"):
        do_decide(request, actor=manager, decision="approve", at=AT + HOUR)
    do_decide(request, actor=owner_team_member, decision="reject", comment="No", at=AT + 2 * HOUR)
    request = refreshed(request)
    assert request.state == State.REJECTED
    assert request.rejection_reason == "No"
    assert request.approvals.get(position=3).state == StepState.WITHDRAWN
    assert kinds(request) == [
        (EventType.REQUEST_APPROVAL_REQUESTED, 1),
        (EventType.REQUEST_APPROVAL_VOTED, 1),
        (EventType.REQUEST_APPROVAL_CONCLUDED, 1),
        (EventType.REQUEST_APPROVAL_REQUESTED, 2),
        (EventType.REQUEST_APPROVAL_VOTED, 2),
        (EventType.REQUEST_APPROVAL_CONCLUDED, 2),
    ]


def test_the_last_step_approved_starts_the_fulfilment_tasks():
    requester, manager = requester_with_manager()
    desk = make_team()
    request = submit(
        [{"name": "Line manager", "approver_source": "requester_manager"}],
        requester,
        tasks=[{"position": 1, "title": "Hand it over", "team": desk.pk}],
    )
    assert not request.tasks.exists()
    do_decide(request, actor=manager, decision="approve", at=AT + HOUR)
    request = refreshed(request)
    assert request.state == State.IN_FULFILMENT
    assert request.tasks.count() == 1


def test_a_decision_that_is_neither_approve_nor_reject_names_the_field():
    ann = make_user("ann")
    request = submit([people_step([ann])])
    with pytest.raises(Exception) as refused:
        do_decide(request, actor=ann, decision="abstain")
    assert refused.value.message_dict == {"decision": ["choose approve or reject"]}


def test_a_decided_request_takes_no_more_decisions():
    ann, bob = make_user("ann"), make_user("bob")
    request = submit([people_step([ann, bob], "any")])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    with pytest.raises(Conflict, match="not awaiting approval"):
        do_decide(request, actor=bob, decision="reject", at=AT + HOUR)


def test_a_second_decision_by_the_same_approver_is_refused():
    ann, bob = make_user("ann"), make_user("bob")
    request = submit([people_step([ann, bob], "all")])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    with pytest.raises(Conflict, match="already recorded"):
        do_decide(request, actor=ann, decision="reject", at=AT + HOUR)


# -- nobody approves their own request ----------------------------------------------------------


def test_the_requester_and_the_submitter_are_never_asked_and_are_refused():
    requester = make_user("rita")
    agent = make_user("agnes")
    other = make_user("otto")
    request_type = make_request_type(steps=[people_step([requester, agent, other], "all")])
    request = make_request(request_type, agent, requested_for=requester, at=AT)
    # Only Otto is asked: Rita is who it is for, Agnes submitted it.
    assert votes_of(request) == {"otto": Decision.PENDING}
    for person in (requester, agent):
        with pytest.raises(Conflict, match="nobody approves their own request"):
            do_decide(request, actor=person, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.AWAITING_APPROVAL


def test_a_manager_requesting_is_approved_by_their_own_manager():
    boss = make_user("boss")
    manny, _ = requester_with_manager(boss)
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], manny)
    assert votes_of(request) == {"boss": Decision.PENDING}


# -- nobody resolved: the fallback -----------------------------------------------------------


def test_no_manager_falls_back_to_the_fulfilment_groups_manager():
    lead = make_user("lena")
    desk = make_team(manager=lead)
    requester = make_user(kind=UserKind.REQUESTER)  # no manager
    request = submit(
        [{"name": "Line manager", "approver_source": "requester_manager"}],
        requester,
        fulfilment_group=desk,
    )
    assert votes_of(request) == {"lena": Decision.PENDING}
    step = request.approvals.get()
    assert step.outcome_note == f"nobody resolved for this step: asked the manager of {desk.name}"
    asked = JournalEvent.objects.for_subject(request).get(
        event_type=EventType.REQUEST_APPROVAL_REQUESTED
    )
    assert asked.data["fallback"] == f"the manager of {desk.name}"
    do_decide(request, actor=lead, decision="approve", at=AT + HOUR)
    assert refreshed(request).state == State.APPROVED


def test_then_to_the_request_process_owners_and_managers():
    owner, manager, practitioner = make_user("olga"), make_user("mona"), make_user("pia")
    ProcessRole.objects.create(user=owner, process=Process.REQUEST, role=Role.OWNER)
    ProcessRole.objects.create(user=manager, process=Process.REQUEST, role=Role.MANAGER)
    ProcessRole.objects.create(user=practitioner, process=Process.REQUEST, role=Role.PRACTITIONER)
    empty = make_team(members=[])
    request = submit(
        [{"name": "Team", "approver_source": "team", "team": empty.pk, "policy": "all"}]
    )
    # "all" of the two leaders: the practitioner is not asked.
    assert votes_of(request) == {"olga": Decision.PENDING, "mona": Decision.PENDING}


def test_nobody_at_all_rejects_the_request_never_approves_it():
    requester = make_user(kind=UserKind.REQUESTER)
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    request = refreshed(request)
    assert request.state == State.REJECTED
    assert request.rejection_reason == "nobody may approve this step"
    step = request.approvals.get()
    assert (step.state, step.outcome_note) == (StepState.REJECTED, "nobody may approve this step")
    assert kinds(request) == [
        (EventType.REQUEST_APPROVAL_REQUESTED, 1),
        (EventType.REQUEST_APPROVAL_CONCLUDED, 1),
    ]


def test_a_fallback_that_is_the_requester_is_skipped_too():
    # The fulfilment group's manager is the requester: the next fallback (nobody) applies.
    lead = make_user("lena")
    desk = make_team(manager=lead)
    request = submit(
        [{"name": "Line manager", "approver_source": "requester_manager"}],
        lead,
        fulfilment_group=desk,
    )
    assert refreshed(request).state == State.REJECTED


# -- delegation while away ------------------------------------------------------------------


def test_a_delegate_decides_for_the_away_approver_during_the_period_only():
    requester, manager = requester_with_manager()
    deputy = make_user("dora")
    delegation = do_delegate(
        manager, deputy, starts_at=AT, ends_at=AT + 48 * HOUR, actor=manager, at=AT
    )
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    # Before the period started, Dora may not.
    with pytest.raises(Conflict, match="not asked"):
        do_decide(request, actor=deputy, decision="approve", at=AT - HOUR)
    vote = do_decide(request, actor=deputy, decision="approve", comment="for Manny", at=AT + HOUR)
    assert (vote.approver, vote.decided_by) == (manager, deputy)
    assert refreshed(request).state == State.APPROVED
    voted = JournalEvent.objects.for_subject(request).get(
        event_type=EventType.REQUEST_APPROVAL_VOTED
    )
    assert voted.actor == deputy
    assert voted.data["via"] == "delegation"
    assert voted.data["on_behalf_of"]["id"] == manager.pk
    # Revoked: the next request's vote is no longer Dora's to decide.
    do_revoke_delegation(delegation, actor=manager, at=AT + 2 * HOUR)
    second = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    with pytest.raises(Conflict, match="not asked"):
        do_decide(second, actor=deputy, decision="approve", at=AT + 3 * HOUR)


def test_a_delegate_who_is_the_requester_is_still_refused():
    requester, manager = requester_with_manager()
    do_delegate(manager, requester, starts_at=AT, ends_at=AT + 48 * HOUR, actor=manager, at=AT)
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    with pytest.raises(Conflict, match="nobody approves their own request"):
        do_decide(request, actor=requester, decision="approve", at=AT + HOUR)


# -- due dates ------------------------------------------------------------------------------


def test_a_step_past_its_due_date_gets_its_default_action_approve():
    requester, manager = requester_with_manager()
    request = submit(
        [
            {
                "name": "Line manager",
                "approver_source": "requester_manager",
                "due_hours": 24,
                "due_action": "approve",
            }
        ],
        requester,
    )
    step = request.approvals.get()
    assert step.due_at == AT + 24 * HOUR
    # One hour before: nothing happens.
    assert do_apply_due_approvals(AT + 23 * HOUR) == {"approved": 0, "rejected": 0}
    assert refreshed(request).state == State.AWAITING_APPROVAL
    assert do_apply_due_approvals(AT + 24 * HOUR) == {"approved": 1, "rejected": 0}
    request = refreshed(request)
    assert request.state == State.APPROVED
    step.refresh_from_db()
    assert step.outcome_note == "due date passed: approved by default"
    assert votes_of(request) == {"manny": Decision.NOT_NEEDED}
    concluded = JournalEvent.objects.for_subject(request).get(
        event_type=EventType.REQUEST_APPROVAL_CONCLUDED
    )
    assert concluded.actor is None
    assert concluded.data["due"] is True
    # Run again: nothing more.
    assert do_apply_due_approvals(AT + 25 * HOUR) == {"approved": 0, "rejected": 0}
    # The approver and the requester were told.
    told = set(Notification.objects.values_list("recipient__username", "subject"))
    assert ("manny", f"[{request.number}] Due date passed: approved by default") in told
    assert (requester.username, f"[{request.number}] Approved: {request.title}") in told


def test_a_step_past_its_due_date_rejected_by_default_says_why():
    ann = make_user("ann")
    request = submit([people_step([ann], due_hours=8, due_action="reject")])
    out = io.StringIO()
    with mock.patch("django.utils.timezone.now", return_value=AT + 9 * HOUR):
        call_command("requests", "apply-due-approvals", stdout=out)
    assert json.loads(out.getvalue()) == {"approved": 0, "rejected": 1}
    request = refreshed(request)
    assert request.state == State.REJECTED
    assert request.rejection_reason == "due date passed"


def test_a_step_without_a_due_date_waits():
    ann = make_user("ann")
    request = submit([people_step([ann])])
    assert request.approvals.get().due_at is None
    assert do_apply_due_approvals(AT + 1000 * HOUR) == {"approved": 0, "rejected": 0}


# -- e-mail ----------------------------------------------------------------------------------


def test_each_approver_is_mailed_when_the_step_starts_and_the_requester_at_the_end():
    ann, bob = make_user("ann"), make_user("bob")
    requester = make_user("rita", kind=UserKind.REQUESTER)
    request = submit([people_step([ann, bob], "all")], requester)
    mails = Notification.objects.filter(category="request_approvals").order_by("recipient_id")
    assert [mail.recipient.username for mail in mails] == ["ann", "bob"]
    assert mails[0].subject == f"[{request.number}] Your approval is asked: {request.title}"
    assert "/requests/approvals/link/" in mails[0].text and "?decision=approve" in mails[0].text
    # Each link is the approver's own.
    assert (
        mails[0].text.split("Approve: ")[1].split()[0]
        != mails[1].text.split("Approve: ")[1].split()[0]
    )
    do_decide(request, actor=ann, decision="reject", comment="Not in budget", at=AT + HOUR)
    # The requester hears once: received, then the outcome with the approver's reason.
    told = list(Notification.objects.filter(recipient=requester).order_by("pk"))
    assert [mail.subject for mail in told] == [
        f"[{request.number}] Received: {request.title}",
        f"[{request.number}] Not approved: {request.title}",
    ]
    assert "Why: Not in budget" in told[1].text


def test_cancelling_a_request_makes_its_pending_votes_not_needed():
    from kaizen.requests.services.lifecycle import do_cancel_request

    ann = make_user("ann")
    requester = make_user(kind=UserKind.REQUESTER)
    request = submit([people_step([ann])], requester)
    do_cancel_request(request, actor=requester, at=AT + HOUR)
    assert votes_of(request) == {"ann": Decision.NOT_NEEDED}
    assert request.approvals.get().state == StepState.WITHDRAWN


def test_progress_text_counts_the_votes():
    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    request = submit([people_step([ann, bob, cid], "k_of_n", required=2)])
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    step = request.approvals.get()
    text = approvals.progress_text(step, list(step.votes.all()))
    assert text == "1 of 2 approvals needed (3 asked)"


def test_the_journal_still_rebuilds_the_request_after_its_approval():
    from kaizen.journal.verify import registered, verify_kind

    requester, manager = requester_with_manager()
    ann, bob = make_user("ann"), make_user("bob")
    steps = [
        {"name": "Line manager", "approver_source": "requester_manager"},
        people_step([ann, bob], "all", due_hours=2, due_action="approve"),
    ]
    request = submit(steps, requester)
    do_decide(request, actor=manager, decision="approve", at=AT + HOUR)
    do_decide(request, actor=ann, decision="approve", at=AT + HOUR)
    do_apply_due_approvals(AT + 4 * HOUR)
    assert refreshed(request).state == State.APPROVED
    (kind,) = [kind for kind in registered() if kind.name == "requests.request"]
    report = verify_kind(kind)
    assert report.records == 1 and report.mismatches == []


def test_a_delegate_is_mailed_when_a_step_asks_the_approver_away():
    requester, manager = requester_with_manager()
    deputy = make_user("dora")
    do_delegate(manager, deputy, starts_at=AT, ends_at=AT + 48 * HOUR, actor=manager, at=AT)
    request = submit([{"name": "Line manager", "approver_source": "requester_manager"}], requester)
    (mail,) = Notification.objects.filter(recipient=deputy)
    assert mail.subject == f"[{request.number}] For Manny: approval asked: {request.title}"
    assert "/requests/approvals/" in mail.text
    assert "/requests/approvals/link/" not in mail.text  # the link stays Manny's own


def test_editing_the_types_steps_never_changes_who_a_running_approval_asks():
    from kaizen.requests.services.types import do_set_approval_steps

    requester, manager = requester_with_manager()
    finance, newcomer = make_user("fiona"), make_user("nick")
    request = submit(
        [
            {"name": "Line manager", "approver_source": "requester_manager"},
            people_step([finance], name="Finance"),
        ],
        requester,
    )
    do_set_approval_steps(
        request.request_type,
        [
            {"name": "Line manager", "approver_source": "requester_manager"},
            people_step([newcomer], name="Finance"),
        ],
        actor=None,
        expected_version=None,
    )
    do_decide(request, actor=manager, decision="approve", at=AT + HOUR)
    assert votes_of(refreshed(request), 2) == {"fiona": Decision.PENDING}
