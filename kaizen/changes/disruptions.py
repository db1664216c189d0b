"""Failed changes as disruptions of their services, registered with the catalogue's ticket
sources (kaizen/catalog/ticket_sources.py): availability proposes an outage of each service a
change closed as failed or backed out was working on, over its actual work window, for a
person to confirm (the change may not have stopped the service at all)."""

from collections.abc import Iterable

from kaizen.catalog.ticket_sources import Disruption
from kaizen.changes.models import FAILED_CLOSURE_CODES, Change, State


def disruptions(ids: Iterable[int]) -> list[Disruption]:
    changes = (
        Change.objects.filter(
            pk__in=list(ids),
            state=State.CLOSED,
            closure_code__in=FAILED_CLOSURE_CODES,
            actual_start__isnull=False,
        )
        .prefetch_related("services")
        .order_by("pk")
    )
    return [
        Disruption(
            change.number,
            change.title,
            tuple(service.pk for service in change.services.all()),
            None,
            change.actual_start,
            change.actual_end,
        )
        for change in changes
        if change.actual_start is not None
    ]
