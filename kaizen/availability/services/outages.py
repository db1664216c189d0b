"""Recording outages, proposing them (from a major incident, a failed change, monitoring),
confirming or dismissing a proposal, editing and ending one. Each write is journaled in its
transaction (OUTAGES in base.py), so every availability figure can be replayed from the
journal and traced to the outages behind it."""

import datetime as dt
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.availability.models import (
    CauseKind,
    Outage,
    OutageKind,
    OutageOrigin,
    OutageStatus,
)
from kaizen.availability.services.base import OUTAGES, moment
from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.core.numbering import NumberFormat
from kaizen.core.numbering import next_number as next_number_of
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import User

OUTAGE_NUMBERS = NumberFormat(sequence="outage", prefix="OUT")
EDITABLE_FIELDS = (
    "service",
    "offering",
    "configuration_item",
    "kind",
    "share_affected",
    "started_at",
    "ended_at",
    "title",
    "description",
    "cause_kind",
    "cause_reference",
)
FULL_SHARE = 100


def next_number() -> str:
    return next_number_of(
        OUTAGE_NUMBERS, taken=lambda number: Outage.objects.filter(number=number).exists()
    )


def check_outage(outage: Outage, now: dt.datetime) -> None:
    """What makes an outage a period of lost service, each fault on its field."""
    errors: dict[str, str] = {}
    if outage.started_at and outage.started_at > now:
        errors["started_at"] = "An outage cannot start in the future."
    if outage.ended_at is not None:
        if outage.started_at and outage.ended_at <= outage.started_at:
            errors["ended_at"] = "The end must come after the start."
        elif outage.ended_at > now:
            errors["ended_at"] = "An outage cannot end in the future: leave it open."
    if outage.kind == OutageKind.DEGRADED:
        if not 1 <= outage.share_affected < FULL_SHARE:
            errors["share_affected"] = (
                "A degraded service affects part of its users: give a share from 1 to 99 %."
            )
    elif outage.share_affected != FULL_SHARE:
        errors["share_affected"] = (
            "An outage or planned work stops the service for everyone (100 %); "
            "record a degraded service for part of its users."
        )
    if outage.offering_id and outage.offering.service_id != outage.service_id:
        errors["offering"] = f"{outage.offering.name} is not an offering of {outage.service}."
    if not outage.title.strip():
        errors["title"] = "Say what was lost, e.g. “Mail down for all users”."
    if outage.cause_kind in (CauseKind.INCIDENT, CauseKind.CHANGE, CauseKind.SUPPLIER) and (
        not outage.cause_reference.strip()
    ):
        word = {"incident": "incident number", "change": "change number"}.get(
            outage.cause_kind, "supplier's name"
        )
        errors["cause_reference"] = f"Give the {word}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_record_outage(
    *,
    actor: User | None,
    service: Service,
    kind: str,
    started_at: dt.datetime,
    title: str,
    ended_at: dt.datetime | None = None,
    share_affected: int = FULL_SHARE,
    offering: ServiceOffering | None = None,
    configuration_item: ConfigurationItem | None = None,
    description: str = "",
    cause_kind: str = CauseKind.UNKNOWN,
    cause_reference: str = "",
    confirmed: bool = True,
    origin: str = OutageOrigin.MANUAL,
    origin_key: str | None = None,
    at: dt.datetime | None = None,
) -> Outage:
    """Record an outage: confirmed when a person who may confirm records it, proposed
    otherwise (it counts once confirmed)."""
    at = moment(at)
    outage = Outage(
        service=service,
        offering=offering,
        configuration_item=configuration_item,
        kind=kind,
        share_affected=share_affected,
        started_at=started_at,
        ended_at=ended_at,
        title=title.strip(),
        description=description.strip(),
        cause_kind=cause_kind,
        cause_reference=cause_reference.strip(),
        status=OutageStatus.CONFIRMED if confirmed else OutageStatus.PROPOSED,
        origin=origin,
        origin_key=origin_key,
        confirmed_by=actor if confirmed else None,
        confirmed_at=at if confirmed else None,
        created_at=at,
        updated_at=at,
    )
    check_outage(outage, at)
    outage.number = next_number()
    outage.save()
    event = EventType.OUTAGE_RECORDED if confirmed else EventType.OUTAGE_PROPOSED
    OUTAGES.record_created(event, outage, actor=actor, at=at)
    return outage


class Proposal(NamedTuple):
    outage: Outage
    created: bool


@transaction.atomic
def do_propose_outage(
    *,
    origin: str,
    origin_key: str,
    service: Service,
    started_at: dt.datetime,
    ended_at: dt.datetime | None,
    title: str,
    kind: str = OutageKind.UNPLANNED,
    cause_kind: str = CauseKind.UNKNOWN,
    cause_reference: str = "",
    configuration_item: ConfigurationItem | None = None,
    description: str = "",
    at: dt.datetime | None = None,
    actor: User | None = None,
) -> Proposal:
    """Propose an outage for a person to confirm, once per `origin_key`: proposed again, a
    still-proposed outage follows the new times (the incident was resolved, monitoring saw it
    end); a confirmed or dismissed one is left as the person decided. `actor`: who reported it
    (a monitoring tool's token holder), None when Kaizen proposes it."""
    at = moment(at)
    existing = Outage.objects.filter(origin_key=origin_key).first()
    if existing is None:
        outage = do_record_outage(
            actor=actor,
            service=service,
            kind=kind,
            started_at=started_at,
            ended_at=ended_at,
            title=title,
            description=description,
            cause_kind=cause_kind,
            cause_reference=cause_reference,
            configuration_item=configuration_item,
            confirmed=False,
            origin=origin,
            origin_key=origin_key,
            at=at,
        )
        return Proposal(outage, True)
    if existing.status == OutageStatus.PROPOSED and (
        existing.started_at != started_at or existing.ended_at != ended_at
    ):
        existing = do_update_outage(
            existing,
            actor=None,
            expected_version=None,
            at=at,
            started_at=started_at,
            ended_at=ended_at,
        )
    return Proposal(existing, False)


@transaction.atomic
def do_update_outage(
    outage: Outage,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Outage:
    """Correct what an outage says (EDITABLE_FIELDS). A dismissed outage is final."""
    at = moment(at)
    locked = OUTAGES.lock(outage, expected_version)
    if locked.status == OutageStatus.DISMISSED:
        raise ValidationError({"status": f"{locked.number} was dismissed: that is final."})
    before = OUTAGES.snapshot(locked)
    apply_changes(locked, fields, EDITABLE_FIELDS)
    if isinstance(locked.title, str):
        locked.title = locked.title.strip()
    check_outage(locked, at)
    OUTAGES.finish(locked, outage, before, EventType.OUTAGE_UPDATED, actor=actor, at=at)
    return locked


@transaction.atomic
def do_confirm_outage(
    outage: Outage,
    *,
    actor: User,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Outage:
    """A person confirms a proposed outage, with the start and end (and anything else of
    EDITABLE_FIELDS) as they establish them: from then on it counts."""
    at = moment(at)
    locked = OUTAGES.lock(outage, expected_version)
    if locked.status != OutageStatus.PROPOSED:
        raise ValidationError(
            {"status": f"{locked.number} is {locked.get_status_display().lower()}, not proposed."}
        )
    before = OUTAGES.snapshot(locked)
    apply_changes(locked, fields, EDITABLE_FIELDS)
    locked.status = OutageStatus.CONFIRMED
    locked.confirmed_by, locked.confirmed_at = actor, at
    check_outage(locked, at)
    OUTAGES.finish(locked, outage, before, EventType.OUTAGE_CONFIRMED, actor=actor, at=at)
    return locked


@transaction.atomic
def do_dismiss_outage(
    outage: Outage,
    *,
    actor: User,
    reason: str,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> Outage:
    """Not an outage after all (the major incident did not stop the service): it never counts,
    and proposing it again does not bring it back."""
    at = moment(at)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this was not an outage."})
    locked = OUTAGES.lock(outage, expected_version)
    if locked.status != OutageStatus.PROPOSED:
        raise ValidationError(
            {"status": f"{locked.number} is {locked.get_status_display().lower()}, not proposed."}
        )
    before = OUTAGES.snapshot(locked)
    locked.status = OutageStatus.DISMISSED
    locked.dismissed_reason = reason.strip()[:250]
    OUTAGES.finish(locked, outage, before, EventType.OUTAGE_DISMISSED, actor=actor, at=at)
    return locked


@transaction.atomic
def do_end_outage(
    outage: Outage, *, actor: User | None, ended_at: dt.datetime, at: dt.datetime | None = None
) -> Outage:
    """The service is back: the ongoing outage ends at `ended_at`. Ending an ended outage
    again changes nothing (monitoring may repeat itself)."""
    at = moment(at)
    locked = OUTAGES.lock(outage, None)
    if locked.ended_at is not None:
        return locked
    before = OUTAGES.snapshot(locked)
    locked.ended_at = ended_at
    check_outage(locked, at)
    OUTAGES.finish(locked, outage, before, EventType.OUTAGE_ENDED, actor=actor, at=at)
    return locked
