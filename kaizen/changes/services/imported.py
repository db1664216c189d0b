"""Changes known from other tools' records: an imported incident that names the change that
caused it (or its request for change) makes that change known to Kaizen by its number; work
seen on a configuration item (a discovery scan, monitoring) is matched to the change that
covers it, or recorded as an unauthorised change."""

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kaizen.catalog.models import ConfigurationItem
from kaizen.changes.models import (
    CausedIncident,
    CausedIncidentStatus,
    Change,
    ChangeType,
    State,
)
from kaizen.changes.services.base import CHANGES
from kaizen.changes.services.records import CHANGE_NUMBERS, next_number
from kaizen.core.numbering import advance_past
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import record_event
from kaizen.people.models import User


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


# A change "covers" detected work when its window, widened by this much on each side, holds
# the moment the work was seen (clocks and discovery scans are not exact to the minute).
DETECTION_SLACK = dt.timedelta(hours=1)


def covering_change(ci: ConfigurationItem, seen_at: dt.datetime) -> Change | None:
    """The change on `ci` whose window (actual, else planned) holds `seen_at`, if any: an
    authorised one in preference."""
    on_ci = Change.objects.filter(configuration_items=ci).exclude(
        state__in=(State.CANCELLED, State.REJECTED, State.DRAFT)
    )
    actual = Q(
        actual_start__lte=seen_at + DETECTION_SLACK,
    ) & (Q(actual_end__isnull=True) | Q(actual_end__gte=seen_at - DETECTION_SLACK))
    planned = Q(
        actual_start__isnull=True,
        planned_start__lte=seen_at + DETECTION_SLACK,
        planned_end__gte=seen_at - DETECTION_SLACK,
    )
    return (
        on_ci.filter(actual | planned)
        .order_by(F("authorised_at").asc(nulls_last=True), "-pk")
        .first()
    )


class Sighting(NamedTuple):
    """What became of one piece of detected work: the change it is recorded on, whether that
    change was created for it (unauthorised work), and whether it had been recorded before
    (the same CI, moment, source and description: a re-sent report or a re-run import)."""

    change: Change
    created: bool
    already_recorded: bool = False


def _sighting_data(
    ci: ConfigurationItem, seen_at: dt.datetime, source: str, description: str
) -> dict[str, str]:
    """How a sighting is journaled, and so found again (the moment in UTC, one spelling)."""
    return {
        "ci": ci.name,
        "seen_at": seen_at.astimezone(dt.UTC).isoformat(),
        "source": source,
        "what": description[:500],
    }


def recorded_sighting(data: dict[str, str]) -> Change | None:
    """The change a sighting with exactly `data` was journaled on, if one was."""
    event = (
        JournalEvent.objects.filter(
            event_type__in=(EventType.CHANGE_WORK_DETECTED, EventType.CHANGE_CREATED),
            **{f"data__{key}": value for key, value in data.items()},
        )
        .order_by("id")
        .only("subject_id")
        .first()
    )
    return Change.objects.filter(pk=event.subject_id).first() if event else None


@transaction.atomic
def do_record_detected_work(
    ci: ConfigurationItem,
    *,
    seen_at: dt.datetime,
    description: str,
    source: str,
    actor: User | None,
) -> Sighting:
    """Work seen on a configuration item (a discovery scan, monitoring, an audit log): matched
    to the change that covers it, or recorded as an unauthorised change to be reviewed.
    A match is journaled on the change; an unmatched one becomes a change in Review, flagged
    unauthorised, with the work as its description. The same sighting reported again is
    recorded once: the answer names the change it was recorded on."""
    description = description.strip()
    source = source.strip()
    if not description:
        raise ValidationError({"description": "say what was seen on the configuration item"})
    if not source:
        raise ValidationError({"source": "say where the work was seen (e.g. the discovery scan)"})
    if seen_at > timezone.now():
        raise ValidationError({"seen_at": "not in the future"})
    data = _sighting_data(ci, seen_at, source, description)
    earlier = recorded_sighting(data)
    if earlier is not None:
        return Sighting(earlier, created=False, already_recorded=True)
    change = covering_change(ci, seen_at)
    if change is not None:
        record_event(EventType.CHANGE_WORK_DETECTED, change, actor=actor, data=data)
        return Sighting(change, created=False)
    change = Change(
        title=f"Unauthorised work on {ci.name}"[:160],
        description=f"Seen by {source}: {description}",
        change_type=ChangeType.NORMAL,
        requester=None,
        state=State.REVIEW,
        actual_start=seen_at,
        actual_end=seen_at,
        opened_at=seen_at,
        updated_at=seen_at,
        unauthorised=True,
        unauthorised_reason=f"work recorded on {ci.name} with no change",
        imported_from=source[:40],
    )
    change.number = next_number()
    change.save()
    change.configuration_items.set([ci])
    change.services.set(list(ci.services.all()))
    record_event(
        EventType.CHANGE_CREATED,
        change,
        actor=actor,
        changes=CHANGES.initial_changes(change),
        data=data,
        occurred_at=seen_at,
    )
    return Sighting(change, created=True)
