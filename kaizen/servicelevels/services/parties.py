"""Customers and suppliers: who agreements are made with. Names are unique whatever their
case; each write is journaled in its transaction."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.journal.tracking import TrackedRecord
from kaizen.people.models import User
from kaizen.servicelevels.models import Customer, CustomerKind, Supplier
from kaizen.servicelevels.services.base import (
    CUSTOMER_FIELDS,
    CUSTOMERS,
    SUPPLIER_FIELDS,
    SUPPLIERS,
    moment,
)


def _check_name(model: type[models.Model], record: Any, noun: str) -> None:
    record.name = (record.name or "").strip()
    if not record.name:
        raise ValidationError({"name": f"Give the {noun}'s name."})
    taken = model.objects.filter(name__iexact=record.name).exclude(pk=record.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a {noun} named {record.name}."})


def _check_customer(customer: Customer) -> None:
    _check_name(Customer, customer, "customer")
    if customer.kind not in CustomerKind.values:
        raise ValidationError({"kind": "Choose an organisation, a department or a group."})


def _create(
    tracked: TrackedRecord,
    record: Any,
    event_type: EventType,
    *,
    actor: User | None,
    at: dt.datetime,
    many: Mapping[str, Iterable[Any]] | None = None,
) -> Any:
    record.created_at = record.updated_at = at
    record.save()
    for name, values in (many or {}).items():
        getattr(record, name).set(list(values))
    tracked.record_created(event_type, record, actor=actor, at=at)
    return record


@transaction.atomic
def do_create_customer(
    *,
    actor: User | None,
    name: str,
    kind: str,
    description: str = "",
    contact_name: str = "",
    contact_email: str = "",
    representatives: Iterable[User] = (),
    at: dt.datetime | None = None,
) -> Customer:
    customer = Customer(
        name=name,
        kind=kind,
        description=description.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
    )
    _check_customer(customer)
    return _create(
        CUSTOMERS,
        customer,
        EventType.CUSTOMER_CREATED,
        actor=actor,
        at=moment(at),
        many={"representatives": representatives},
    )


@transaction.atomic
def do_update_customer(
    customer: Customer,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    representatives: Iterable[User] | None = None,
    at: dt.datetime | None = None,
) -> Customer:
    locked = CUSTOMERS.lock(customer, expected_version)
    before = CUSTOMERS.snapshot(locked)
    apply_changes(locked, fields, CUSTOMER_FIELDS)
    _check_customer(locked)
    if representatives is not None:
        locked.representatives.set(list(representatives))
    CUSTOMERS.finish(locked, customer, before, EventType.CUSTOMER_UPDATED, actor=actor, at=at)
    return locked


@transaction.atomic
def do_create_supplier(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    website: str = "",
    is_active: bool = True,
    at: dt.datetime | None = None,
) -> Supplier:
    supplier = Supplier(
        is_active=is_active,
        name=name,
        description=description.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        website=website.strip(),
    )
    _check_name(Supplier, supplier, "supplier")
    return _create(SUPPLIERS, supplier, EventType.SUPPLIER_CREATED, actor=actor, at=moment(at))


@transaction.atomic
def do_update_supplier(
    supplier: Supplier,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> Supplier:
    locked = SUPPLIERS.lock(supplier, expected_version)
    before = SUPPLIERS.snapshot(locked)
    apply_changes(locked, fields, SUPPLIER_FIELDS)
    _check_name(Supplier, locked, "supplier")
    SUPPLIERS.finish(locked, supplier, before, EventType.SUPPLIER_UPDATED, actor=actor, at=at)
    return locked
