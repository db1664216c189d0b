"""Changes known from other tools' records: an imported incident that names the change that
caused it (or its request for change) makes that change known to Kaizen by its number."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from kaizen.changes.models import CausedIncident, CausedIncidentStatus, Change, State
from kaizen.changes.services.base import CHANGES
from kaizen.changes.services.records import CHANGE_NUMBERS
from kaizen.core.numbering import advance_past
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event


@transaction.atomic
def do_record_referenced_change(
    number: str,
    *,
    imported_from: str,
    first_seen_at: dt.datetime,
    source_attributes: dict,
) -> tuple[Change, bool]:
    """The change numbered `number`, recorded as known only by reference when Kaizen does not
    have it: closed, its outcome unknown, raised no later than `first_seen_at` (the earliest
    record naming it). Returns (change, created); an existing change is left as it is."""
    existing = Change.objects.filter(number=number).first()
    if existing is not None:
        return existing, False
    change = Change(
        number=number,
        title=f"{number} (known from {imported_from} records that name it)",
        description="Kaizen knows this change only because imported records name it: its "
        "type, plans, schedule and outcome were not imported.",
        requester=None,
        state=State.CLOSED,
        opened_at=first_seen_at,
        updated_at=first_seen_at,
        imported_from=imported_from,
        reference_only=True,
        source_attributes=source_attributes,
    )
    advance_past(CHANGE_NUMBERS, [number])
    change.save()
    record_event(
        EventType.CHANGE_CREATED,
        change,
        actor=None,
        changes=CHANGES.initial_changes(change),
        data={"imported_from": imported_from, "reference_only": True},
        occurred_at=first_seen_at,
    )
    return change, True


@transaction.atomic
def do_record_imported_causes(
    change: Change, incidents: Iterable[tuple[str, dt.datetime]], *, imported_from: str
) -> int:
    """Record, confirmed, that the change caused these imported incidents ((number, opened
    at) pairs), as the source tool recorded it; incidents linked already are left alone.
    Returns how many links were added."""
    known = set(change.caused_incidents.values_list("incident_number", flat=True))
    added = 0
    for number, opened_at in incidents:
        if number in known:
            continue
        CausedIncident.objects.create(
            change=change,
            incident_number=number,
            incident_opened_at=opened_at,
            status=CausedIncidentStatus.CONFIRMED,
            reason=f"recorded as caused by {change.number} in {imported_from}",
            decided_at=opened_at,
            created_at=opened_at,
        )
        record_event(
            EventType.CAUSED_INCIDENT_DECIDED,
            change,
            actor=None,
            data={
                "incident": number,
                "status": CausedIncidentStatus.CONFIRMED,
                "reason": f"recorded in {imported_from}",
            },
            occurred_at=opened_at,
        )
        known.add(number)
        added += 1
    return added
