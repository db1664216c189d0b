"""What a monitoring tool reports: a service went down (open) or came back (close), under its
own key for the alert. Idempotent: opening a key again finds the same outage, closing an
ended one changes nothing, so a tool may repeat itself. The outage is proposed: a person
confirms its start and end before it counts."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.availability.models import Outage, OutageKind, OutageOrigin
from kaizen.availability.services.outages import Proposal, do_end_outage, do_propose_outage
from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.people.models import User

OPEN, CLOSE = "open", "close"


def monitoring_key(source: str, key: str) -> str:
    return f"monitoring:{source.strip()}:{key.strip()}"[:200]


@transaction.atomic
def do_monitoring_signal(
    *,
    actor: User | None,
    source: str,
    key: str,
    signal: str,
    at: dt.datetime,
    service: Service | None = None,
    configuration_item: ConfigurationItem | None = None,
    title: str = "",
    kind: str = OutageKind.UNPLANNED,
) -> Proposal:
    """Open (needs the service) or close the outage of `source`'s alert `key` at `at`."""
    if not source.strip() or not key.strip():
        raise ValidationError({"key": "Name the monitoring source and its alert's key."})
    origin_key = monitoring_key(source, key)
    if signal == CLOSE:
        outage = Outage.objects.filter(origin_key=origin_key).first()
        if outage is None:
            raise ValidationError(
                {"key": f"No outage was opened for {source.strip()}'s alert {key.strip()!r}."}
            )
        return Proposal(do_end_outage(outage, actor=actor, ended_at=at), False)
    if signal != OPEN:
        raise ValidationError({"signal": "Send open or close."})
    existing = Outage.objects.filter(origin_key=origin_key).first()
    if existing is not None:
        return Proposal(existing, False)
    if service is None:
        raise ValidationError({"service": "Name the service that went down."})
    return do_propose_outage(
        origin=OutageOrigin.MONITORING,
        origin_key=origin_key,
        service=service,
        configuration_item=configuration_item,
        started_at=at,
        ended_at=None,
        kind=kind,
        title=title.strip() or f"{service.name} down ({source.strip()})",
        description=f"Reported by {source.strip()}, alert {key.strip()}.",
        actor=actor,
    )
