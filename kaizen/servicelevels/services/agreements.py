"""Agreements and their versioned terms.

An agreement is made with its first version of terms, in force from its start. What was
agreed changes by a new version from a later day (never before today: a period already run is
judged against the terms that were in force); a version not yet in force, or any version of a
draft agreement (nothing is judged against a draft), can still be corrected. Each write is
journaled in its transaction.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.catalog.models import ConfigurationItem, Service, ServiceOffering
from kaizen.core.numbering import NumberFormat, next_number
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import Team, User
from kaizen.people.permissions import is_agent
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTerms,
    Customer,
    Supplier,
)
from kaizen.servicelevels.services.base import AGREEMENTS, TERMS, moment
from kaizen.servicelevels.targets import clean_targets
from kaizen.sla.models import BusinessCalendar

AGREEMENT_NUMBERS = {
    AgreementKind.SLA: NumberFormat(sequence="agreement_sla", prefix="SLA", digits=5),
    AgreementKind.OLA: NumberFormat(sequence="agreement_ola", prefix="OLA", digits=5),
    AgreementKind.UC: NumberFormat(sequence="agreement_uc", prefix="UC", digits=5),
}
EDITABLE_FIELDS = (
    "name",
    "description",
    "customer",
    "provider_team",
    "consumer_team",
    "supplier",
    "owner",
    "status",
    "starts_on",
    "ends_on",
    "review_cadence",
    "reference",
)
# Where an agreement's status may go: a retired agreement stays retired.
NEXT_STATUSES = {
    AgreementStatus.DRAFT: {AgreementStatus.ACTIVE, AgreementStatus.RETIRED},
    AgreementStatus.ACTIVE: {AgreementStatus.RETIRED},
    AgreementStatus.RETIRED: set(),
}
TERMS_FIELDS = (
    "valid_from",
    "calendar",
    "availability_percent",
    "targets",
    "handoff_minutes",
    "note",
)


def check_agreement(agreement: Agreement) -> None:
    """Who an agreement is made with, its owner and its dates, each fault on its field."""
    errors: dict[str, str] = {}
    if not agreement.name.strip():
        errors["name"] = "Give the agreement a name, e.g. “Mail for Finance”."
    needs = {
        AgreementKind.SLA: ("customer", "A service level agreement is made with a customer."),
        AgreementKind.OLA: ("provider_team", "Name the team that commits to the targets."),
        AgreementKind.UC: ("supplier", "An underpinning contract is made with a supplier."),
    }
    field, message = needs[AgreementKind(agreement.kind)]
    if getattr(agreement, f"{field}_id") is None:
        errors[field] = message
    if agreement.kind != AgreementKind.UC and agreement.supplier_id:
        errors["supplier"] = "Only an underpinning contract is made with a supplier."
    if agreement.kind != AgreementKind.SLA and agreement.customer_id:
        errors["customer"] = "Only a service level agreement is made with a customer."
    if agreement.owner_id is None or not is_agent(agreement.owner):
        errors["owner"] = "The owner is a member of IT staff (usually a service level manager)."
    if agreement.ends_on and agreement.starts_on and agreement.ends_on < agreement.starts_on:
        errors["ends_on"] = "The end cannot come before the start."
    if errors:
        raise ValidationError(errors)


def _percent(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"availability_percent": "A percentage, e.g. 99.5."}) from None
    if not number.is_finite() or not Decimal(0) < number <= Decimal(100):
        raise ValidationError(
            {"availability_percent": "An availability target is more than 0 and at most 100 %."}
        )
    return number


def _check_terms(terms: AgreementTerms, agreement: Agreement) -> None:
    errors: dict[str, str] = {}
    if terms.valid_from < agreement.starts_on:
        errors["valid_from"] = (
            f"The agreement starts on {agreement.starts_on:%d %b %Y}: a version cannot apply "
            "before it."
        )
    elif agreement.ends_on and terms.valid_from > agreement.ends_on:
        errors["valid_from"] = f"The agreement ends on {agreement.ends_on:%d %b %Y}."
    if terms.handoff_minutes is None or terms.handoff_minutes < 0:
        errors["handoff_minutes"] = "Minutes, 0 or more."
    if errors:
        raise ValidationError(errors)


def _check_coverage(
    agreement: Agreement,
    services: list[Service],
    offerings: list[ServiceOffering],
    configuration_items: list[ConfigurationItem],
) -> None:
    if not services and not offerings and not configuration_items:
        raise ValidationError(
            {"services": "Name the services (or offerings, configuration items) it covers."}
        )
    covered = {service.pk for service in services}
    stray = [offering for offering in offerings if offering.service_id not in covered]
    if stray and agreement.kind == AgreementKind.SLA:
        raise ValidationError(
            {
                "offerings": f"{stray[0].name} is an offering of {stray[0].service}, which the "
                "agreement does not cover: add the service too."
            }
        )


def _set_coverage(
    terms: AgreementTerms,
    services: Iterable[Service] | None,
    offerings: Iterable[ServiceOffering] | None,
    configuration_items: Iterable[ConfigurationItem] | None,
) -> None:
    for name, values in (
        ("services", services),
        ("offerings", offerings),
        ("configuration_items", configuration_items),
    ):
        if values is not None:
            getattr(terms, name).set(list(values))


@transaction.atomic
def do_create_agreement(
    *,
    actor: User | None,
    kind: str,
    name: str,
    owner: User,
    starts_on: dt.date,
    calendar: BusinessCalendar,
    services: Iterable[Service] = (),
    offerings: Iterable[ServiceOffering] = (),
    configuration_items: Iterable[ConfigurationItem] = (),
    customer: Customer | None = None,
    provider_team: Team | None = None,
    consumer_team: Team | None = None,
    supplier: Supplier | None = None,
    description: str = "",
    status: str = AgreementStatus.DRAFT,
    ends_on: dt.date | None = None,
    review_cadence: int | None = None,
    reference: str = "",
    availability_percent: Decimal | str | None = None,
    targets: Iterable[Mapping[str, Any]] = (),
    handoff_minutes: int = 15,
    at: dt.datetime | None = None,
) -> Agreement:
    """Make an agreement with its first version of terms, in force from its start."""
    at = moment(at)
    if kind not in AgreementKind.values:
        raise ValidationError({"kind": "Choose an SLA, an OLA or an underpinning contract."})
    if status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise ValidationError({"status": "A new agreement is a draft or active."})
    agreement = Agreement(
        kind=kind,
        name=name.strip(),
        description=description.strip(),
        customer=customer,
        provider_team=provider_team,
        consumer_team=consumer_team,
        supplier=supplier,
        owner=owner,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
        review_cadence=review_cadence,
        reference=reference.strip(),
        created_at=at,
        updated_at=at,
    )
    check_agreement(agreement)
    terms = AgreementTerms(
        sequence=1,
        valid_from=starts_on,
        calendar=calendar,
        availability_percent=_percent(availability_percent),
        targets=clean_targets(kind, targets),
        handoff_minutes=handoff_minutes,
        note="First version",
        created_at=at,
        updated_at=at,
    )
    _check_terms(terms, agreement)
    services, offerings = list(services), list(offerings)
    configuration_items = list(configuration_items)
    _check_coverage(agreement, services, offerings, configuration_items)
    numbers = AGREEMENT_NUMBERS[AgreementKind(kind)]
    agreement.number = next_number(
        numbers, taken=lambda number: Agreement.objects.filter(number=number).exists()
    )
    agreement.save()
    AGREEMENTS.record_created(EventType.AGREEMENT_CREATED, agreement, actor=actor, at=at)
    terms.agreement = agreement
    terms.save()
    _set_coverage(terms, services, offerings, configuration_items)
    TERMS.record_created(EventType.AGREEMENT_TERMS_CREATED, terms, actor=actor, at=at)
    return agreement


@transaction.atomic
def do_update_agreement(
    agreement: Agreement,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> Agreement:
    """Change an agreement's own fields (not its terms: see do_add_terms)."""
    locked = AGREEMENTS.lock(agreement, expected_version)
    before = AGREEMENTS.snapshot(locked)
    old_status = locked.status
    apply_changes(locked, fields, EDITABLE_FIELDS)
    if locked.status != old_status and locked.status not in NEXT_STATUSES[old_status]:
        raise ValidationError(
            {
                "status": f"A {AgreementStatus(old_status).label.lower()} agreement cannot "
                f"become {AgreementStatus(locked.status).label.lower()}."
            }
        )
    check_agreement(locked)
    first = locked.versions.order_by("valid_from").first()
    if first is not None and locked.starts_on != first.valid_from:
        if locked.status != AgreementStatus.DRAFT:
            raise ValidationError(
                {"starts_on": "The start of an agreement in force cannot move; end it instead."}
            )
        first_locked = TERMS.lock(first, None)
        terms_before = TERMS.snapshot(first_locked)
        first_locked.valid_from = locked.starts_on
        _check_later_versions(first_locked)
        TERMS.finish(
            first_locked, first, terms_before, EventType.AGREEMENT_TERMS_UPDATED, actor=actor, at=at
        )
    AGREEMENTS.finish(locked, agreement, before, EventType.AGREEMENT_UPDATED, actor=actor, at=at)
    return locked


def _check_later_versions(terms: AgreementTerms) -> None:
    """A version's day stays between those of the versions before and after it."""
    others = terms.agreement.versions.exclude(pk=terms.pk)
    before = others.filter(sequence__lt=terms.sequence).order_by("-sequence").first()
    after = others.filter(sequence__gt=terms.sequence).order_by("sequence").first()
    if before is not None and terms.valid_from <= before.valid_from:
        raise ValidationError(
            {
                "valid_from": f"Version {before.sequence} applies from "
                f"{before.valid_from:%d %b %Y}: choose a later day."
            }
        )
    if after is not None and terms.valid_from >= after.valid_from:
        raise ValidationError(
            {
                "valid_from": f"Version {after.sequence} applies from {after.valid_from:%d %b %Y}: "
                "choose an earlier day."
            }
        )


def can_correct(terms: AgreementTerms, today: dt.date) -> bool:
    """A version may be corrected while nothing is judged against it: it is not yet in force,
    or its agreement is a draft."""
    return terms.agreement.status == AgreementStatus.DRAFT or terms.valid_from > today


@transaction.atomic
def do_add_terms(
    agreement: Agreement,
    *,
    actor: User | None,
    valid_from: dt.date,
    note: str,
    calendar: BusinessCalendar | None = None,
    availability_percent: Decimal | str | None = None,
    targets: Iterable[Mapping[str, Any]] | None = None,
    handoff_minutes: int | None = None,
    services: Iterable[Service] | None = None,
    offerings: Iterable[ServiceOffering] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    at: dt.datetime | None = None,
) -> AgreementTerms:
    """A new version of the terms from `valid_from` on: what is not given is carried over from
    the latest version. It cannot apply before today, nor before the latest version."""
    at = moment(at)
    locked = AGREEMENTS.lock(agreement, None)
    latest = locked.versions.order_by("-sequence").first()
    today = timezone.localdate(at)
    if locked.status == AgreementStatus.RETIRED:
        raise ValidationError({"valid_from": "The agreement is retired."})
    if latest is not None and valid_from <= latest.valid_from:
        raise ValidationError(
            {
                "valid_from": f"Version {latest.sequence} applies from "
                f"{latest.valid_from:%d %b %Y}: a new version applies from a later day."
            }
        )
    if valid_from < today and locked.status != AgreementStatus.DRAFT:
        raise ValidationError(
            {
                "valid_from": "A new version applies from today or later: past periods are judged "
                "against the terms in force then."
            }
        )
    if not note.strip():
        raise ValidationError({"note": "Say what this version changes."})
    terms = AgreementTerms(
        agreement=locked,
        sequence=(latest.sequence + 1) if latest else 1,
        valid_from=valid_from,
        calendar=calendar or latest.calendar,
        availability_percent=(
            _percent(availability_percent)
            if availability_percent is not None
            else latest.availability_percent
        ),
        targets=clean_targets(locked.kind, targets) if targets is not None else latest.targets,
        handoff_minutes=handoff_minutes if handoff_minutes is not None else latest.handoff_minutes,
        note=note.strip(),
        created_at=at,
        updated_at=at,
    )
    _check_terms(terms, locked)
    chosen = {
        "services": list(services) if services is not None else list(latest.services.all()),
        "offerings": list(offerings) if offerings is not None else list(latest.offerings.all()),
        "configuration_items": (
            list(configuration_items)
            if configuration_items is not None
            else list(latest.configuration_items.all())
        ),
    }
    _check_coverage(locked, chosen["services"], chosen["offerings"], chosen["configuration_items"])
    terms.save()
    _set_coverage(terms, **chosen)
    TERMS.record_created(EventType.AGREEMENT_TERMS_CREATED, terms, actor=actor, at=at)
    return terms


@transaction.atomic
def do_correct_terms(
    terms: AgreementTerms,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    services: Iterable[Service] | None = None,
    offerings: Iterable[ServiceOffering] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    at: dt.datetime | None = None,
) -> AgreementTerms:
    """Correct a version not yet in force (or of a draft agreement)."""
    at = moment(at)
    locked = TERMS.lock(terms, expected_version)
    if not can_correct(locked, timezone.localdate(at)):
        raise ValidationError(
            {
                "valid_from": f"Version {locked.sequence} is in force since "
                f"{locked.valid_from:%d %b %Y}: make a new version instead."
            }
        )
    before = TERMS.snapshot(locked)
    values = dict(fields)
    if "availability_percent" in values:
        values["availability_percent"] = _percent(values["availability_percent"])
    if "targets" in values:
        values["targets"] = clean_targets(locked.agreement.kind, values["targets"])
    apply_changes(locked, values, TERMS_FIELDS)
    if locked.sequence == 1 and locked.valid_from != locked.agreement.starts_on:
        raise ValidationError(
            {
                "valid_from": "The first version applies from the agreement's start; change the "
                "start instead."
            }
        )
    if (
        locked.valid_from < timezone.localdate(at)
        and locked.agreement.status != AgreementStatus.DRAFT
    ):
        raise ValidationError({"valid_from": "A version applies from today or later."})
    _check_terms(locked, locked.agreement)
    _check_later_versions(locked)
    chosen_services = list(services) if services is not None else list(locked.services.all())
    chosen_offerings = list(offerings) if offerings is not None else list(locked.offerings.all())
    chosen_items = (
        list(configuration_items)
        if configuration_items is not None
        else list(locked.configuration_items.all())
    )
    _check_coverage(locked.agreement, chosen_services, chosen_offerings, chosen_items)
    _set_coverage(locked, services, offerings, configuration_items)
    TERMS.finish(locked, terms, before, EventType.AGREEMENT_TERMS_UPDATED, actor=actor, at=at)
    return locked
