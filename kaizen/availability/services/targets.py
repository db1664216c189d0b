"""The availability agreed for a service: a target over its agreed service hours, from a date
on. Setting a target for a date that has one changes it; an earlier target stays in force for
the days before, so past periods are judged against what was agreed then."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.availability.models import AvailabilityTarget
from kaizen.availability.services.base import TARGETS, moment
from kaizen.catalog.models import Service
from kaizen.journal.events import EventType
from kaizen.people.models import User
from kaizen.sla.models import BusinessCalendar


@transaction.atomic
def do_set_availability_target(
    service: Service,
    *,
    actor: User | None,
    valid_from: dt.date,
    target_percent: Decimal,
    calendar: BusinessCalendar,
    note: str = "",
    at: dt.datetime | None = None,
) -> AvailabilityTarget:
    at = moment(at)
    if not Decimal(0) < Decimal(target_percent) <= Decimal(100):
        raise ValidationError({"target_percent": "A target is more than 0 and at most 100 %."})
    existing = (
        AvailabilityTarget.objects.select_for_update()
        .filter(service=service, valid_from=valid_from)
        .first()
    )
    if existing is None:
        target = AvailabilityTarget(
            service=service,
            valid_from=valid_from,
            target_percent=target_percent,
            calendar=calendar,
            note=note.strip(),
            created_at=at,
            updated_at=at,
        )
        target.save()
        TARGETS.record_created(EventType.AVAILABILITY_TARGET_SET, target, actor=actor, at=at)
        return target
    locked = TARGETS.lock(existing, None)
    before = TARGETS.snapshot(locked)
    locked.target_percent, locked.calendar, locked.note = target_percent, calendar, note.strip()
    TARGETS.finish(locked, existing, before, EventType.AVAILABILITY_TARGET_SET, actor=actor, at=at)
    return locked
