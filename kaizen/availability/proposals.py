"""Outages proposed from what the journal says happened: an incident that is (or became)
major or critical, a change closed as failed or backed out. Driven by the journal, not called
from the processes' services: a periodic task (and `kaizen availability propose`) reads the
events written since it last looked, asks each ticket source whose tickets they concern which
of them stand for a disruption (kaizen/catalog/ticket_sources.py: Disruption), and proposes
one outage per ticket and service (services/outages.py: do_propose_outage, once per origin
key, following a still-proposed outage's times as the ticket moves on).

A re-run, or a worker that dies part-way, proposes nothing twice: the cursor moves with each
batch's proposals in one transaction, and proposals are keyed by their origin."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.availability.models import CauseKind, OutageKind, OutageOrigin, ProposalCursor
from kaizen.availability.services.outages import do_propose_outage
from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.catalog.ticket_sources import TicketSource, registered_sources
from kaizen.journal.models import JournalEvent

CURSOR = "disruptions"
BATCH_EVENTS = 5000
# How each source's disruptions are proposed: the origin and the cause.
ORIGINS = {
    "incident": (OutageOrigin.MAJOR_INCIDENT, CauseKind.INCIDENT),
    "change": (OutageOrigin.FAILED_CHANGE, CauseKind.CHANGE),
}


@dataclass
class ProposalRun:
    events_read: int = 0
    proposed: int = 0
    followed: int = 0  # proposals already made, looked at again
    skipped: int = 0  # disruptions on no service: nothing to propose
    by_source: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "events_read": self.events_read,
            "proposed": self.proposed,
            "followed": self.followed,
            "skipped": self.skipped,
            "by_source": self.by_source,
        }


def _sources() -> list[tuple[TicketSource, int]]:
    return [
        (source, ContentType.objects.get_for_model(source.model).pk)
        for source in registered_sources()
        if source.disruptions is not None
    ]


def do_propose_outages(*, batch_events: int = BATCH_EVENTS) -> ProposalRun:
    """Read the journal from the cursor to its end, a batch at a time."""
    run = ProposalRun()
    sources = _sources()
    if not sources:
        return run
    while True:
        with transaction.atomic():
            cursor, _ = ProposalCursor.objects.select_for_update().get_or_create(
                name=CURSOR, defaults={"updated_at": timezone.now()}
            )
            events = list(
                JournalEvent.objects.filter(pk__gt=cursor.last_event_id)
                .order_by("pk")
                .values_list("pk", "subject_type_id", "subject_id")[:batch_events]
            )
            if not events:
                return run
            touched: dict[int, set[int]] = defaultdict(set)
            for _pk, type_id, subject_id in events:
                if subject_id.isdigit():
                    touched[type_id].add(int(subject_id))
            for source, type_id in sources:
                if touched.get(type_id):
                    _propose(source, touched[type_id], run)
            run.events_read += len(events)
            cursor.last_event_id = events[-1][0]
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_event_id", "updated_at"])


def _propose(source: TicketSource, ids: set[int], run: ProposalRun) -> None:
    assert source.disruptions is not None
    origin, cause = ORIGINS.get(source.key, (OutageOrigin.MANUAL, CauseKind.OTHER))
    disruptions = source.disruptions(ids)
    services = Service.objects.in_bulk(
        {service_id for item in disruptions for service_id in item.service_ids}
    )
    cis = ConfigurationItem.objects.in_bulk(
        {item.configuration_item_id for item in disruptions if item.configuration_item_id}
    )
    for disruption in disruptions:
        if not disruption.service_ids:
            run.skipped += 1
        for service_id in disruption.service_ids:
            service = services.get(service_id)
            if service is None:
                continue
            key = f"{source.key}:{disruption.number}"
            if len(disruption.service_ids) > 1:
                key = f"{key}:{service.slug}"
            try:
                with transaction.atomic():
                    proposal = do_propose_outage(
                        origin=origin,
                        origin_key=key[:200],
                        service=service,
                        started_at=disruption.started_at,
                        ended_at=disruption.ended_at,
                        title=f"{service.name}: {disruption.title}"[:200],
                        kind=OutageKind.UNPLANNED,
                        cause_kind=cause,
                        cause_reference=disruption.number,
                        configuration_item=cis.get(disruption.configuration_item_id or 0),
                    )
            except ValidationError:
                # Times that make no outage (resolved the instant it opened): nothing to
                # propose; a later event of the ticket is looked at again.
                run.skipped += 1
                continue
            if proposal.created:
                run.proposed += 1
                run.by_source[source.key] = run.by_source.get(source.key, 0) + 1
            else:
                run.followed += 1
