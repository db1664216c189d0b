"""CAB meetings: a weekly schedule and the meetings planned from it, ad-hoc and emergency
meetings, the agenda built from the changes awaiting authorisation, attendees, minutes, and a
decision per agenda item (the attendees' votes, cast into the change's approval round, or a
deferral). Each write journaled on the meeting (the votes on their change)."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from kaizen.changes.models import (
    AgendaItem,
    AgendaOutcome,
    CabMeeting,
    CabSchedule,
    Change,
    ChangeType,
    MeetingKind,
    MeetingStatus,
    RoundStatus,
    State,
)
from kaizen.changes.services.approvals import cab_members, decide_if_certain, do_cast_vote
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, m2m_change, record_event, to_journal_value
from kaizen.people.models import User

SCHEDULE_FIELDS = (
    "name",
    "weekday",
    "start_time",
    "duration_minutes",
    "time_zone",
    "location",
    "is_active",
)
MEETING_FIELDS = ("title", "starts_at", "ends_at", "location", "status", "minutes")


def awaiting_authorisation() -> QuerySet[Change]:
    """The changes an agenda is built from, soonest planned first (unplanned last)."""
    return Change.objects.filter(state=State.AUTHORISE, authorised_at=None).order_by(
        "planned_start", "number"
    )


def _check_schedule(schedule: CabSchedule) -> None:
    errors = {}
    if not schedule.name.strip():
        errors["name"] = "give the schedule a name"
    try:
        zoneinfo.ZoneInfo(schedule.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = f"{schedule.time_zone!r} is not a time zone"
    if not 0 <= schedule.weekday <= 6:
        errors["weekday"] = "a day of the week, Monday (0) to Sunday (6)"
    if not 5 <= schedule.duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "between 5 minutes and a day"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_schedule(
    *,
    name: str,
    weekday: int,
    start_time: dt.time,
    duration_minutes: int = 60,
    time_zone: str = "",
    location: str = "",
    actor: User | None,
    at: dt.datetime | None = None,
) -> CabSchedule:
    at = moment(at)
    schedule = CabSchedule(
        name=name.strip(),
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        time_zone=time_zone or settings.TIME_ZONE,
        location=location.strip(),
        created_at=at,
    )
    _check_schedule(schedule)
    if CabSchedule.objects.filter(name=schedule.name).exists():
        raise ValidationError({"name": f"another schedule is called {schedule.name!r}"})
    schedule.save()
    record_event(
        EventType.CAB_SCHEDULE_CREATED,
        schedule,
        actor=actor,
        occurred_at=at,
        changes={
            name: {"old": None, "new": to_journal_value(getattr(schedule, name))}
            for name in SCHEDULE_FIELDS
        },
    )
    return schedule


@transaction.atomic
def do_update_schedule(
    schedule: CabSchedule, *, actor: User | None, at: dt.datetime | None = None, **fields: Any
) -> CabSchedule:
    at = moment(at)
    locked = CabSchedule.objects.select_for_update().get(pk=schedule.pk)
    changes = apply_changes(locked, fields, SCHEDULE_FIELDS)
    if changes:
        _check_schedule(locked)
        locked.save()
        record_event(
            EventType.CAB_SCHEDULE_UPDATED, locked, actor=actor, occurred_at=at, changes=changes
        )
    return locked


def occurrences(schedule: CabSchedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The schedule's meeting starts in [start, end), in UTC, at the same local time each week
    (across daylight-saving changes)."""
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    day = start.astimezone(zone).date()
    day += dt.timedelta(days=(schedule.weekday - day.weekday()) % 7)
    found = []
    while True:
        local = dt.datetime.combine(day, schedule.start_time, tzinfo=zone)
        moment_utc = local.astimezone(dt.UTC)
        if moment_utc >= end:
            return found
        if moment_utc >= start:
            found.append(moment_utc)
        day += dt.timedelta(days=7)


def _meeting_created(meeting: CabMeeting, actor: User | None, at: dt.datetime) -> None:
    record_event(
        EventType.CAB_MEETING_CREATED,
        meeting,
        actor=actor,
        occurred_at=at,
        changes={
            name: {"old": None, "new": to_journal_value(getattr(meeting, name))}
            for name in ("title", "kind", "starts_at", "ends_at", "location")
        },
    )


@transaction.atomic
def do_plan_scheduled_meetings(now: dt.datetime | None = None, *, weeks: int | None = None) -> int:
    """Plan the meetings of every active schedule for the coming weeks (none twice). Returns
    how many were planned. Attendees: the CAB members, the schedule's usual audience."""
    now = moment(now)
    weeks = weeks if weeks is not None else settings.KAIZEN_CAB_PLAN_WEEKS
    end = now + dt.timedelta(weeks=weeks)
    members = list(cab_members())
    planned = 0
    for schedule in CabSchedule.objects.filter(is_active=True):
        zone = zoneinfo.ZoneInfo(schedule.time_zone)
        taken = set(
            schedule.meetings.filter(starts_at__gte=now, starts_at__lt=end).values_list(
                "starts_at", flat=True
            )
        )
        for start in occurrences(schedule, now, end):
            if start in taken:
                continue
            meeting = CabMeeting.objects.create(
                schedule=schedule,
                title=f"{schedule.name}, {start.astimezone(zone).day} "
                f"{start.astimezone(zone):%b %Y}",
                kind=MeetingKind.SCHEDULED,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=schedule.duration_minutes),
                location=schedule.location,
                created_at=now,
            )
            meeting.attendees.set(members)
            _meeting_created(meeting, None, now)
            planned += 1
    return planned


@transaction.atomic
def do_create_meeting(
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str = MeetingKind.AD_HOC,
    location: str = "",
    attendees: Iterable[User] = (),
    actor: User | None,
    at: dt.datetime | None = None,
) -> CabMeeting:
    """An ad-hoc or emergency CAB meeting (scheduled ones come from their schedule)."""
    at = moment(at)
    if kind not in (MeetingKind.AD_HOC, MeetingKind.EMERGENCY):
        raise ValidationError({"kind": "an ad-hoc or an emergency meeting"})
    if not title.strip():
        raise ValidationError({"title": "give the meeting a title"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "the end must be after the start"})
    meeting = CabMeeting.objects.create(
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        created_at=at,
        created_by=actor,
    )
    meeting.attendees.set(list(attendees))
    _meeting_created(meeting, actor, at)
    return meeting


@transaction.atomic
def do_update_meeting(
    meeting: CabMeeting,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    attendees: Iterable[User] | None = None,
    **fields: Any,
) -> CabMeeting:
    """Title, time, place, status (planned/held/cancelled), minutes and attendees."""
    at = moment(at)
    locked = CabMeeting.objects.select_for_update().get(pk=meeting.pk)
    if "status" in fields and fields["status"] not in MeetingStatus.values:
        raise ValidationError({"status": f"{fields['status']!r} is not a meeting status"})
    changes = apply_changes(locked, fields, MEETING_FIELDS)
    if locked.ends_at <= locked.starts_at:
        raise ValidationError({"ends_at": "the end must be after the start"})
    if attendees is not None:
        attendees = list(attendees)
        changed = m2m_change(locked.attendees.all(), attendees)
        if changed:
            changes["attendees"] = changed
            locked.attendees.set(attendees)
    if changes:
        locked.save()
        record_event(
            EventType.CAB_MEETING_UPDATED, locked, actor=actor, occurred_at=at, changes=changes
        )
    return locked


def _add(meeting: CabMeeting, change: Change, position: int, actor, at) -> AgendaItem:
    item = AgendaItem.objects.create(meeting=meeting, change=change, position=position)
    record_event(
        EventType.CAB_AGENDA_ITEM_ADDED,
        meeting,
        actor=actor,
        occurred_at=at,
        data={"change": to_journal_value(change), "position": position},
    )
    return item


@transaction.atomic
def do_add_to_agenda(
    meeting: CabMeeting, change: Change, *, actor: User | None, at: dt.datetime | None = None
) -> AgendaItem:
    at = moment(at)
    if change.state != State.AUTHORISE or change.authorised_at is not None:
        raise ValidationError({"change": f"{change.number} is not waiting for authorisation"})
    if meeting.agenda.filter(change=change).exists():
        raise ValidationError({"change": f"{change.number} is on the agenda already"})
    last = meeting.agenda.aggregate(last=Max("position"))["last"] or 0
    return _add(meeting, change, last + 1, actor, at)


@transaction.atomic
def do_build_agenda(
    meeting: CabMeeting,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    change_type: str = "",
    min_risk: int | None = None,
    planned_before: dt.datetime | None = None,
) -> int:
    """Add the changes awaiting authorisation that are not on the agenda yet, by planned start
    (an emergency meeting takes the emergency changes only). Returns how many were added."""
    at = moment(at)
    candidates = awaiting_authorisation().exclude(agenda_items__meeting=meeting)
    if meeting.kind == MeetingKind.EMERGENCY:
        change_type = ChangeType.EMERGENCY
    if change_type:
        candidates = candidates.filter(change_type=change_type)
    if min_risk:
        candidates = candidates.filter(risk__gte=min_risk)
    if planned_before:
        candidates = candidates.filter(planned_start__lt=planned_before)
    last = meeting.agenda.aggregate(last=Max("position"))["last"] or 0
    added = 0
    for change in candidates:
        added += 1
        _add(meeting, change, last + added, actor, at)
    return added


@transaction.atomic
def do_record_agenda_decision(
    item: AgendaItem,
    *,
    votes: Sequence[tuple[User, str, str]] = (),
    deferred: bool = False,
    note: str = "",
    actor: User,
    at: dt.datetime | None = None,
) -> AgendaItem:
    """What the meeting decided on one change: the attendees' votes (person, decision,
    comment), each cast into the change's approval round as recorded by `actor`, or a
    deferral with its reason. The item's outcome is where the round then stands."""
    at = moment(at)
    item = (
        AgendaItem.objects.select_for_update().select_related("meeting", "change").get(pk=item.pk)
    )
    if deferred and votes:
        raise ValidationError({"votes": "defer the change or record votes, not both"})
    if deferred and not note.strip():
        raise ValidationError({"note": "say why the change is deferred"})
    if not deferred and not votes:
        raise ValidationError({"votes": "record at least one vote, or defer the change"})
    present = set(item.meeting.attendees.values_list("pk", flat=True))
    for person, _decision, _comment in votes:
        if person.pk not in present:
            raise ValidationError({"votes": f"{person} is not an attendee of this meeting"})
    # The meeting votes at once: every vote is recorded, then the round is counted once (a
    # vote after the deciding one would otherwise find the round closed).
    approval_round = None
    for person, decision, comment in votes:
        approval_round = do_cast_vote(
            item.change,
            decision,
            comment=comment,
            actor=actor,
            recorded_for=person,
            decide=False,
            at=at,
        )
    if approval_round is not None:
        decide_if_certain(approval_round, actor=actor, at=at)
    if deferred:
        outcome = AgendaOutcome.DEFERRED
    else:
        approval_round = item.change.approval_rounds.order_by("-opened_at", "-id").first()
        status = approval_round.status if approval_round else ""
        outcome = {
            RoundStatus.AUTHORISED: AgendaOutcome.AUTHORISED,
            RoundStatus.REJECTED: AgendaOutcome.REJECTED,
        }.get(status, AgendaOutcome.VOTED)
    item.outcome = outcome
    item.note = note.strip()
    item.decided_at = at
    item.decided_by = actor
    item.save(update_fields=["outcome", "note", "decided_at", "decided_by"])
    record_event(
        EventType.CAB_AGENDA_ITEM_DECIDED,
        item.meeting,
        actor=actor,
        occurred_at=at,
        data={
            "change": to_journal_value(item.change),
            "outcome": outcome,
            "note": item.note,
            "votes": {str(person): decision for person, decision, _ in votes},
        },
    )
    return item
