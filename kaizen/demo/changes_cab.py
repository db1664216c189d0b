"""The demo's change advisory board: more CAB members, a weekly CAB on Tuesdays at 10:00 with
this week's and next week's meetings, this week's agenda built from the changes awaiting
authorisation, and a few votes cast on them (so the inbox, the change pages and the meeting
show votes under way). Idempotent: a second run adds nothing.

The lead calls `load(now)` after the demo changes exist. The replayed changes were authorised
outside any vote, so their rounds are first ended with the outcome the replay gave them.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from kaizen.changes.models import (
    ApprovalRound,
    CabMeeting,
    CabSchedule,
    Decision,
    MeetingKind,
    RoundStatus,
    Rule,
)
from kaizen.changes.services import approvals, meetings
from kaizen.people import services as people_services
from kaizen.people.models import Process, ProcessRole, Role, User

SCHEDULE = "Weekly CAB"
# Agents who sit on the CAB besides the ones people.py made CAB members.
MORE_CAB_MEMBERS = ("lars.nilsson", "hannah.muller")
# Votes cast on the changes awaiting authorisation (never the deciding one): enough for the
# inbox and the agenda to show votes under way.
VOTES = 4
COMMENTS = {
    Decision.APPROVE: "Plan and back-out look sound; fine by me.",
    Decision.ABSTAIN: "Not my area: I leave this one to the others.",
}


def _grant_cab_roles() -> int:
    granted = 0
    for person in User.objects.filter(username__in=MORE_CAB_MEMBERS):
        held = ProcessRole.objects.filter(
            user=person, process=Process.CHANGE, role=Role.CAB_MEMBER
        ).exists()
        if not held:
            people_services.do_grant_process_role(
                person, Process.CHANGE, Role.CAB_MEMBER, actor=None
            )
            granted += 1
    return granted


def _schedule(now: dt.datetime) -> CabSchedule:
    schedule = CabSchedule.objects.filter(name=SCHEDULE).first()
    if schedule is None:
        schedule = meetings.do_create_schedule(
            name=SCHEDULE,
            weekday=1,  # Tuesday
            start_time=dt.time(10, 0),
            duration_minutes=60,
            time_zone=settings.TIME_ZONE,
            location="Board room, 3rd floor, and the video bridge",
            actor=None,
            at=now,
        )
    return schedule


def _this_week(now: dt.datetime) -> dt.datetime:
    """Monday 00:00 of the current week, in the demo's time zone."""
    local = timezone.localtime(now)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=local.tzinfo)


def _votes(now: dt.datetime) -> int:
    """One vote by the first approver still to vote on the rounds where it cannot decide."""
    cast = 0
    rounds = (
        ApprovalRound.objects.filter(status=RoundStatus.OPEN, rule=Rule.COUNT, required__gte=2)
        .select_related("change")
        .order_by("change__planned_start", "pk")
    )
    for index, approval_round in enumerate(rounds):
        if cast >= VOTES:
            break
        approvers = list(approval_round.approvers.order_by("pk"))
        if len(approvers) < 3 or any(a.decision for a in approvers):
            continue  # too few to vote without deciding, or voted already (a second run)
        decision = Decision.ABSTAIN if index % 3 == 2 else Decision.APPROVE
        approvals.do_cast_vote(
            approval_round,
            decision,
            comment=COMMENTS[decision],
            actor=approvers[0].user,
            at=max(approval_round.opened_at, now - dt.timedelta(hours=2 + index)),
        )
        cast += 1
    return cast


def load(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    added = {"CAB members": _grant_cab_roles()}
    added["approval rounds ended by the replay"] = approvals.do_close_stale_rounds(now)
    schedule = _schedule(now)
    monday = _this_week(now)
    added["CAB meetings"] = meetings.do_plan_scheduled_meetings(monday, weeks=2)
    meeting = (
        CabMeeting.objects.filter(schedule=schedule, kind=MeetingKind.SCHEDULED)
        .filter(starts_at__gte=monday, starts_at__lt=monday + dt.timedelta(days=7))
        .first()
    )
    if meeting is not None:
        added["agenda items"] = meetings.do_build_agenda(meeting, actor=None, at=now)
    added["votes"] = _votes(now)
    return added
