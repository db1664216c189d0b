"""Which link of the chain used up the time of a breached SLA target.

For each ticket whose clock of an SLA target's definition breached in a period, on a service the
SLA covers (kaizen/servicelevels/chain.py gives the links behind the target for the service):

1. Its history is read back from the journal: who held it when — the assignment group, or the
   supplier while it was on hold awaiting the vendor — and when its clock was paused (on hold
   for one of the definition's pause reasons). Only the time the clock ran counts.
2. Each holder's time is measured against the link that commits for it: a team's time, in its
   OLA's own hours, against the OLA's commitment; the supplier's time, in its contract's hours,
   against the contract's. A holder no link commits for (a team without an OLA on the service,
   nobody assigned) is *not covered*; its time is measured in the customer's hours.
3. The breach is attributed to the link that overran its own commitment the most. If none did,
   to the holder not covered that held it longest; and if every link kept its commitment and
   every holder was covered, to the chain itself (the commitments and hand-overs do not add up
   to the customer target: the chain check says by how much).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.journal.models import JournalEvent
from kaizen.servicelevels.chain import (
    MINUTE_US,
    ChainLink,
    ServiceChain,
    TargetChain,
    chain_check,
)
from kaizen.servicelevels.models import Agreement, AgreementKind
from kaizen.sla.calendar import CalendarIndex
from kaizen.sla.models import SLAClock, SLADefinition
from kaizen.sla.targets import calendar_index

ON_HOLD = "on_hold"
AWAITING_VENDOR = "awaiting_vendor"
SUPPLIER = "supplier"


@dataclass
class Holding:
    """Who held the ticket, for how long while its clock ran, against which link."""

    holder: str  # a team's name, "the supplier", "nobody"
    link: ChainLink | None
    held_us: int  # in the link's own hours, or the customer's when no link covers it
    committed_us: int | None

    @property
    def overrun_us(self) -> int | None:
        return None if self.committed_us is None else self.held_us - self.committed_us


@dataclass
class Breach:
    number: str
    url: str
    service: str
    metric: str
    priority: int | None
    breached_at: dt.datetime
    holdings: list[Holding] = field(default_factory=list)
    verdict: str = ""  # the link (or holder) that used up the time, in words
    culprit: Holding | None = None


@dataclass
class Segment:
    start: dt.datetime
    end: dt.datetime
    team: tuple[int, str] | None
    state: str
    reason: str


def _value(change: dict[str, Any] | None) -> Any:
    return None if change is None else change.get("new")


def segments(events: Iterable[JournalEvent], start: dt.datetime, end: dt.datetime) -> list[Segment]:
    """The ticket's (team, state, hold reason) over [start, end), folded from its events'
    changes in order."""
    team: tuple[int, str] | None = None
    state, reason = "", ""
    moments: list[tuple[dt.datetime, tuple[int, str] | None, str, str]] = []
    for event in events:
        changes = event.changes or {}
        if "assignment_group" in changes:
            group = _value(changes["assignment_group"])
            team = (group["id"], group["repr"]) if group else None
        if "state" in changes:
            state = _value(changes["state"]) or ""
        if "on_hold_reason" in changes:
            reason = _value(changes["on_hold_reason"]) or ""
        moments.append((event.occurred_at, team, state, reason))
    result = []
    for index, (moment, holder, at_state, at_reason) in enumerate(moments):
        following = moments[index + 1][0] if index + 1 < len(moments) else end
        low, high = max(moment, start), min(following, end)
        if low < high:
            result.append(Segment(low, high, holder, at_state, at_reason))
    return result


def _holder_of(segment: Segment) -> tuple[str, Any]:
    if segment.state == ON_HOLD and segment.reason == AWAITING_VENDOR:
        return SUPPLIER, None
    if segment.team is None:
        return "nobody", None
    return "team", segment.team


def attribute(
    chain: ServiceChain,
    pieces: list[Segment],
    definition: SLADefinition,
    hours_of: Any,
) -> tuple[list[Holding], Holding | None, str]:
    """The holdings of one breached ticket, the one it is attributed to and the verdict."""
    paused = set(definition.pause_reasons or [])
    customer: CalendarIndex = hours_of(definition.calendar)
    by_team = {
        link.agreement.provider_team_id: link
        for link in chain.links
        if link.agreement.kind == AgreementKind.OLA
    }
    suppliers = [link for link in chain.links if link.agreement.kind == AgreementKind.UC]
    spans: dict[tuple[str, Any], list[tuple[dt.datetime, dt.datetime]]] = {}
    for piece in pieces:
        if piece.state == ON_HOLD and piece.reason in paused:
            continue  # the clock did not run
        spans.setdefault(_holder_of(piece), []).append((piece.start, piece.end))
    holdings = []
    for (kind, team), intervals in spans.items():
        if kind == SUPPLIER:
            link = suppliers[0] if suppliers else None
            name = ", ".join(str(item.agreement.supplier) for item in suppliers) or "the supplier"
        elif kind == "team":
            link = by_team.get(team[0])
            name = team[1]
        else:
            link, name = None, "nobody (unassigned)"
        hours = hours_of(link.terms.calendar) if link else customer
        held = sum(hours.business_us(low, high) for low, high in intervals)
        committed = link.minutes * MINUTE_US if link else None
        holdings.append(Holding(name, link, held, committed))
    holdings.sort(key=lambda holding: -holding.held_us)
    overran = [h for h in holdings if h.overrun_us is not None and h.overrun_us > 0]
    if overran:
        culprit = max(overran, key=lambda holding: holding.overrun_us or 0)
        return holdings, culprit, f"{culprit.holder} overran its commitment"
    uncovered = [h for h in holdings if h.link is None and h.held_us > 0]
    if uncovered:
        culprit = uncovered[0]
        return holdings, culprit, f"{culprit.holder}: no agreement covers this time"
    return holdings, None, "every link kept its commitment: the chain does not add up"


def breaches(
    agreement: Agreement,
    start: dt.datetime,
    end: dt.datetime,
    limit: int = 200,
    *,
    chains: list[TargetChain] | None = None,
) -> list[Breach]:
    """The tickets on the SLA's services whose clock of one of its targets breached in
    [start, end), each attributed (targets and links as in force at the period's end; the
    caller may pass that day's chain check when it has it)."""
    if agreement.kind != AgreementKind.SLA:
        return []
    if chains is None:
        day = timezone.localdate(min(end, timezone.now()) - dt.timedelta(microseconds=1))
        chains = chain_check(agreement, day)
    hours: dict[int, CalendarIndex] = {}

    def hours_of(calendar: Any) -> CalendarIndex:
        if calendar.pk not in hours:
            hours[calendar.pk] = calendar_index(calendar)
        return hours[calendar.pk]

    found: list[Breach] = []
    for target in chains:
        definition = target.definition
        if definition is None:
            continue
        source = ticket_source(definition.ticket_kind)
        if source is None or not source.service_field:
            continue
        by_service = {chain.service.pk: chain for chain in target.services}
        tickets = source.model.objects.filter(**{f"{source.service_field}__in": list(by_service)})
        if target.priority is not None:
            tickets = tickets.filter(priority=target.priority)
        clocks = SLAClock.objects.filter(
            ticket_type=ContentType.objects.get_for_model(source.model),
            ticket_id__in=tickets.values("pk"),
            definition=definition,
            breached=True,
            breach_at__gte=start,
            breach_at__lt=end,
        ).order_by("breach_at")[:limit]
        clocks = list(clocks)
        records = source.model.objects.in_bulk([clock.ticket_id for clock in clocks])
        ticket_type = ContentType.objects.get_for_model(source.model)
        history: dict[int, list[JournalEvent]] = {}
        for event in JournalEvent.objects.filter(
            subject_type=ticket_type, subject_id__in=[str(pk) for pk in records]
        ).order_by("id"):
            history.setdefault(int(event.subject_id), []).append(event)
        for clock in clocks:
            ticket = records.get(clock.ticket_id)
            if ticket is None:
                continue
            service_id = getattr(ticket, f"{source.service_field}_id")
            chain = by_service[service_id]
            stopped = clock.stopped_at or timezone.now()
            pieces = segments(history.get(ticket.pk, []), clock.started_at, stopped)
            holdings, culprit, verdict = attribute(chain, pieces, definition, hours_of)
            found.append(
                Breach(
                    number=getattr(ticket, source.number_field),
                    url=ticket.get_absolute_url(),
                    service=chain.service.name,
                    metric=target.metric,
                    priority=target.priority,
                    breached_at=clock.breach_at,
                    holdings=holdings,
                    verdict=verdict,
                    culprit=culprit,
                )
            )
    found.sort(key=lambda breach: breach.breached_at, reverse=True)
    return found
