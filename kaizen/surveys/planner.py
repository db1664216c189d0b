"""Drawing invitations from what the journal says happened.

Driven by the journal, not called from the processes' services: a periodic task (and
`kaizen surveys run`) reads the events written since it last looked, keeps those a registered
trigger kind says are triggers (an incident resolved or closed; kaizen/surveys/triggers.py),
reads their tickets through the catalogue's ticket source in one query per batch, and for each
active trigger applies its conditions, exclusions, the person's cool-down and cap, then draws
with the trigger's (or stratum's) inclusion rate. Each drawn ticket becomes an invitation that
records its probability, scheduled after the delay in the recipient's sending window.

A re-run, or a worker that dies part-way, draws nothing twice: the cursor moves with each
batch's invitations in one transaction, and an invitation is unique per trigger and ticket.
"""

import datetime as dt
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.catalog.ticket_sources import TicketSource, ticket_source
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.selectors import events_after
from kaizen.journal.services import build_event, record_events
from kaizen.notifications.models import NotificationOptOut
from kaizen.people.models import Team, User, UserKind
from kaizen.sla.models import SLAClock
from kaizen.surveys import sampling
from kaizen.surveys.models import Invitation, PlannerCursor, SurveyTrigger, SurveyVersion
from kaizen.surveys.services.base import INVITATIONS
from kaizen.surveys.triggers import Fired, TriggerKind, kinds_by_event_type

CURSOR = "invitations"
BATCH_EVENTS = 5000


@dataclass
class PlanRun:
    events_read: int = 0
    triggers_fired: int = 0
    drawn: int = 0
    not_drawn: int = 0
    excluded: dict[str, int] = field(default_factory=dict)

    def exclude(self, reason: str) -> None:
        self.excluded[reason] = self.excluded.get(reason, 0) + 1

    def as_json(self) -> dict[str, Any]:
        return {
            "events_read": self.events_read,
            "triggers_fired": self.triggers_fired,
            "drawn": self.drawn,
            "not_drawn": self.not_drawn,
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class Ticket:
    """What the planner reads of a ticket, whichever process it belongs to."""

    pk: int
    number: str
    title: str
    requester_id: int | None
    opened_by_id: int | None
    resolver_id: int | None
    service_id: int | None
    priority: int | None
    team_id: int | None
    channel: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    sla_breached: bool | None
    reassignment_count: int


def _column(name: str, *, relation: bool = False) -> str | None:
    if not name:
        return None
    return f"{name}_id" if relation else name


def read_tickets(kind: TriggerKind, source: TicketSource, ids: set[int]) -> dict[int, Ticket]:
    """The tickets by id, in two queries (the tickets, their breached SLA clocks)."""
    names = kind.fields
    wanted = {
        "pk": "pk",
        "number": source.number_field,
        "title": source.title_field,
        "opened_at": source.opened_field,
        "requester_id": _column(names.requester, relation=True),
        "opened_by_id": _column(names.opened_by, relation=True),
        "resolver_id": _column(names.resolver, relation=True),
        "service_id": _column(names.service, relation=True),
        "priority": _column(names.priority),
        "team_id": _column(names.team, relation=True),
        "channel": _column(names.channel),
        "resolved_at": _column(names.resolved_at),
        "sla_state": _column(names.sla_state),
        "reassignment_count": _column(names.reassignment_count),
    }
    columns = {key: column for key, column in wanted.items() if column}
    rows = source.model.objects.filter(pk__in=ids).values(*columns.values())
    ticket_type = ContentType.objects.get_for_model(source.model)
    breached = set(
        SLAClock.objects.filter(
            ticket_type=ticket_type, ticket_id__in=ids, breached=True
        ).values_list("ticket_id", flat=True)
    )
    tickets = {}
    for row in rows:
        value = {key: row[column] for key, column in columns.items()}
        sla_state = value.pop("sla_state", None)
        pk = value["pk"]
        tickets[pk] = Ticket(
            pk=pk,
            number=value["number"],
            title=str(value.get("title") or "")[:300],
            requester_id=value.get("requester_id"),
            opened_by_id=value.get("opened_by_id"),
            resolver_id=value.get("resolver_id"),
            service_id=value.get("service_id"),
            priority=value.get("priority"),
            team_id=value.get("team_id"),
            channel=value.get("channel") or "",
            opened_at=value["opened_at"],
            resolved_at=value.get("resolved_at"),
            sla_breached=True if (pk in breached or sla_state == "breached") else None,
            reassignment_count=value.get("reassignment_count") or 0,
        )
    return tickets


def _matches(trigger: SurveyTrigger, ticket: Ticket) -> bool:
    """The trigger's conditions (an empty list: any)."""
    return (
        (not trigger.service_ids or ticket.service_id in trigger.service_ids)
        and (not trigger.priorities or ticket.priority in trigger.priorities)
        and (not trigger.team_ids or ticket.team_id in trigger.team_ids)
        and (not trigger.channels or ticket.channel in trigger.channels)
    )


def _exclusion(trigger: SurveyTrigger, ticket: Ticket, fired: Fired, person: User | None) -> str:
    """Why the ticket is outside this trigger's frame ("": it is in)."""
    if person is None or not person.is_active or not person.email:
        return "no_address"
    if trigger.exclude_auto_closed and fired.auto_closed:
        return "auto_closed"
    if (
        trigger.exclude_agent_self_service
        and person.kind == UserKind.AGENT
        and ticket.opened_by_id == person.pk
        and ticket.resolver_id in (None, person.pk)
    ):
        return "agent_self_service"
    patterns = trigger.excluded_addresses.split()
    if patterns and sampling.address_excluded(person.email, patterns):
        return "named_address"
    return ""


@dataclass(frozen=True)
class _Related:
    services: dict[int, Service]
    teams: dict[int, Team]
    assignees: dict[int, User]


class _Batch:
    """The state of one batch: triggers, versions, and the people's recent invitations."""

    def __init__(self) -> None:
        triggers = list(
            SurveyTrigger.objects.filter(is_active=True, definition__is_active=True)
            .select_related("definition")
            .order_by("pk")
        )
        self.triggers: dict[str, list[SurveyTrigger]] = defaultdict(list)
        for trigger in triggers:
            self.triggers[trigger.kind].append(trigger)
        versions: dict[int, SurveyVersion] = {}
        for version in (
            SurveyVersion.objects.filter(
                definition__in={trigger.definition_id for trigger in triggers}
            )
            .select_related("definition")  # named in the drawn event (SurveyVersion.__str__)
            .order_by("number")
        ):
            versions[version.definition_id] = version  # the last one wins: the current
        self.versions = versions
        self.longest_days = max(
            [max(t.cooldown_days, t.cap_days if t.cap_count else 0) for t in triggers] or [0]
        )


def do_plan_invitations(
    *,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
    batch_events: int = BATCH_EVENTS,
) -> PlanRun:
    """Read the journal from the cursor to its end, a batch at a time; draw invitations."""
    now = now or timezone.now()
    rng = rng or random.Random()
    run = PlanRun()
    by_type = kinds_by_event_type()
    if not by_type:
        return run
    trigger_events = JournalEvent.objects.filter(event_type__in=list(by_type))
    while True:
        with transaction.atomic():
            cursor, _ = PlannerCursor.objects.select_for_update().get_or_create(
                name=CURSOR, defaults={"updated_at": now}
            )
            events, next_cursor = events_after(trigger_events, cursor.last_event_id, batch_events)
            if not events:
                return run
            batch = _Batch()
            if batch.triggers:
                _plan_batch(events, by_type, batch, now=now, rng=rng, run=run)
            run.events_read += len(events)
            cursor.last_event_id = next_cursor
            cursor.updated_at = now
            cursor.save(update_fields=["last_event_id", "updated_at"])


def _plan_batch(
    events: list[JournalEvent],
    by_type: dict[str, list[TriggerKind]],
    batch: _Batch,
    *,
    now: dt.datetime,
    rng: random.Random,
    run: PlanRun,
) -> None:
    fired: list[tuple[TriggerKind, int, dt.datetime, Fired]] = []
    for event in events:
        if not event.subject_id.isdigit():
            continue
        for kind in by_type[event.event_type]:
            if not batch.triggers.get(kind.key):
                continue
            result = kind.fires(event.changes, event.data, event.actor_id)
            if result is not None:
                fired.append((kind, int(event.subject_id), event.occurred_at, result))
    if not fired:
        return
    run.triggers_fired += len(fired)
    tickets: dict[str, dict[int, Ticket]] = {}
    sources: dict[str, TicketSource] = {}
    for kind in {kind.key: kind for kind, *_ in fired}.values():
        source = ticket_source(kind.source_key)
        if source is None:
            continue
        sources[kind.key] = source
        ids = {ticket_id for k, ticket_id, _, _ in fired if k.key == kind.key}
        tickets[kind.key] = read_tickets(kind, source, ids)
    requester_ids = {
        ticket.requester_id
        for by_id in tickets.values()
        for ticket in by_id.values()
        if ticket.requester_id
    }
    people = User.objects.in_bulk(requester_ids)
    # People who switched off the mail a survey comes in are never asked (kaizen.notifications).
    opted_out = set(
        NotificationOptOut.objects.filter(
            category__in={kind.mail_category for kind, *_ in fired}, user_id__in=requester_ids
        ).values_list("user_id", "category")
    )
    every = [ticket for by_id in tickets.values() for ticket in by_id.values()]
    # The invitations' related records, so journaling them (by id and name) reads nothing more.
    related = _Related(
        services=Service.objects.in_bulk({t.service_id for t in every if t.service_id}),
        teams=Team.objects.in_bulk({t.team_id for t in every if t.team_id}),
        assignees=User.objects.in_bulk({t.resolver_id for t in every if t.resolver_id}),
    )
    earliest = min(at for *_, at, _ in fired) - dt.timedelta(days=batch.longest_days)
    history: dict[int, list[dt.datetime]] = defaultdict(list)
    for person_id, at in Invitation.objects.filter(
        recipient_id__in=requester_ids, triggered_at__gt=earliest
    ).values_list("recipient_id", "triggered_at"):
        history[person_id].append(at)
    trigger_ids = [trigger.pk for group in batch.triggers.values() for trigger in group]
    taken = set(
        Invitation.objects.filter(
            trigger_id__in=trigger_ids,
            ticket_id__in={ticket_id for _, ticket_id, _, _ in fired},
        ).values_list("trigger_id", "source_key", "ticket_id")
    )
    drawn: list[Invitation] = []
    for kind, ticket_id, at, result in fired:
        ticket = tickets.get(kind.key, {}).get(ticket_id)
        if ticket is None:
            continue
        for trigger in batch.triggers[kind.key]:
            if trigger.outcome != result.outcome or not _matches(trigger, ticket):
                continue
            version = batch.versions.get(trigger.definition_id)
            if version is None:
                continue
            key = (trigger.pk, kind.source_key, ticket.pk)
            if key in taken:
                run.exclude("surveyed_already")
                continue
            person = people.get(ticket.requester_id or 0)
            reason = _exclusion(trigger, ticket, result, person)
            if not reason and (person.pk, kind.mail_category) in opted_out:  # type: ignore[union-attr]
                reason = "opted_out"
            if reason:
                run.exclude(reason)
                continue
            assert person is not None
            if not sampling.within_limits(
                history[person.pk],
                at,
                cooldown_days=trigger.cooldown_days,
                cap_count=trigger.cap_count,
                cap_days=trigger.cap_days,
            ):
                run.exclude("cooldown_or_cap")
                continue
            rate = sampling.inclusion_rate(
                trigger.inclusion_rate, trigger.strata, ticket.service_id, ticket.priority
            )
            if rng.random() >= rate:
                run.not_drawn += 1
                continue
            taken.add(key)
            history[person.pk].append(at)
            drawn.append(
                _invitation(trigger, version, kind, ticket, person, at, rate, now, related)
            )
    _insert(drawn, now)
    run.drawn += len(drawn)


def _invitation(
    trigger: SurveyTrigger,
    version: SurveyVersion,
    kind: TriggerKind,
    ticket: Ticket,
    person: User,
    at: dt.datetime,
    rate: float,
    now: dt.datetime,
    related: "_Related",
) -> Invitation:
    earliest = at + dt.timedelta(minutes=trigger.delay_minutes)
    scheduled = sampling.send_time(
        earliest,
        person.time_zone or settings.TIME_ZONE,
        trigger.window_start_hour,
        trigger.window_end_hour,
    )
    resolution = None
    if ticket.resolved_at is not None:
        resolution = max(0, int((ticket.resolved_at - ticket.opened_at).total_seconds() // 60))
    return Invitation(
        definition=trigger.definition,
        survey_version=version,
        trigger=trigger,
        source_key=kind.source_key,
        ticket_id=ticket.pk,
        ticket_number=ticket.number,
        ticket_title=ticket.title,
        recipient=person,
        service=related.services.get(ticket.service_id or 0),
        team=related.teams.get(ticket.team_id or 0),
        assignee=related.assignees.get(ticket.resolver_id or 0),
        priority=ticket.priority,
        sla_breached=bool(ticket.sla_breached),
        reassignment_count=ticket.reassignment_count,
        resolution_minutes=resolution,
        triggered_at=at,
        inclusion_probability=rate,
        scheduled_for=scheduled,
        expires_at=scheduled + dt.timedelta(days=trigger.expiry_days),
        link_nonce=secrets.token_urlsafe(16),
        updated_at=now,
    )


def _insert(drawn: list[Invitation], now: dt.datetime) -> None:
    if not drawn:
        return
    created = Invitation.objects.bulk_create(drawn, batch_size=1000)
    record_events(
        [
            build_event(
                EventType.SURVEY_INVITATION_PLANNED,
                invitation,
                actor=None,
                occurred_at=now,
                changes=INVITATIONS.initial_changes(invitation),
            )
            for invitation in created
        ]
    )
