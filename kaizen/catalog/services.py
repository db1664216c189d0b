"""Every write to the catalogue and the CMDB, each with its journal event."""

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import (
    CIType,
    ConfigurationItem,
    Lifecycle,
    Location,
    Service,
    ServiceDependency,
    ServiceOffering,
)
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, ensure_records, m2m_change, record_event
from kaizen.people.models import User

SERVICE_FIELDS = (
    "name",
    "slug",
    "service_type",
    "category",
    "summary",
    "description",
    "scope",
    "features",
    "target_users",
    "how_to_request",
    "support_hours",
    "criticality",
    "owner",
    "support_team",
    "is_public",
)
OFFERING_FIELDS = (
    "name",
    "offering_type",
    "description",
    "availability_hours",
    "is_requestable",
    "is_active",
)
CI_FIELDS = ("name", "ci_type", "status", "description", "location", "support_team")

# A retired service can be reinstated; nothing goes back into the pipeline once live.
LIFECYCLE_TRANSITIONS = {
    Lifecycle.PIPELINE: {Lifecycle.LIVE, Lifecycle.RETIRED},
    Lifecycle.LIVE: {Lifecycle.RETIRED},
    Lifecycle.RETIRED: {Lifecycle.LIVE},
}


@transaction.atomic
def do_create_service(
    *, actor: User | None, lifecycle: str = Lifecycle.PIPELINE, **fields: Any
) -> Service:
    service = Service(lifecycle=Lifecycle(lifecycle))
    changes = apply_changes(service, fields, SERVICE_FIELDS)
    changes["lifecycle"] = {"old": None, "new": service.lifecycle}
    service.full_clean()
    service.save()
    record_event(EventType.SERVICE_CREATED, service, actor=actor, changes=changes)
    return service


@transaction.atomic
def do_update_service(service: Service, *, actor: User | None, **fields: Any) -> Service:
    changes = apply_changes(service, fields, SERVICE_FIELDS)
    if changes:
        service.full_clean()
        service.save()
        record_event(EventType.SERVICE_UPDATED, service, actor=actor, changes=changes)
    return service


def allowed_lifecycle_targets(service: Service) -> list[Lifecycle]:
    return sorted(LIFECYCLE_TRANSITIONS[Lifecycle(service.lifecycle)], key=list(Lifecycle).index)


@transaction.atomic
def do_change_service_lifecycle(
    service: Service, lifecycle: str, *, actor: User | None, reason: str = ""
) -> Service:
    try:
        target = Lifecycle(lifecycle)
    except ValueError as exc:
        raise ValidationError({"lifecycle": f"unknown lifecycle {lifecycle!r}"}) from exc
    # Lock the row so two people moving the same service cannot both pass the check.
    locked = Service.objects.select_for_update().get(pk=service.pk)
    current = Lifecycle(locked.lifecycle)
    if target not in LIFECYCLE_TRANSITIONS[current]:
        move = f"a {current.label.lower()} service cannot move to {target.label.lower()}"
        raise ValidationError({"lifecycle": move})
    if target == Lifecycle.LIVE and locked.owner_id is None:
        raise ValidationError({"lifecycle": "a service needs an owner before it goes live"})
    locked.lifecycle = target
    locked.save(update_fields=["lifecycle", "updated_at"])
    record_event(
        EventType.SERVICE_LIFECYCLE_CHANGED,
        locked,
        actor=actor,
        changes={"lifecycle": {"old": current.value, "new": target.value}},
        data={"reason": reason} if reason else None,
    )
    service.lifecycle = locked.lifecycle
    service.updated_at = locked.updated_at
    return service


def _check_offering_name(offering: ServiceOffering) -> None:
    """Name the field on a duplicate; the model's two-field constraint would not."""
    taken = ServiceOffering.objects.filter(service=offering.service, name=offering.name)
    if taken.exclude(pk=offering.pk).exists():
        raise ValidationError(
            {"name": f"{offering.service} already has an offering named {offering.name!r}"}
        )


@transaction.atomic
def do_create_offering(service: Service, *, actor: User | None, **fields: Any) -> ServiceOffering:
    offering = ServiceOffering(service=service)
    changes = apply_changes(offering, fields, OFFERING_FIELDS)
    _check_offering_name(offering)
    offering.full_clean()
    offering.save()
    record_event(EventType.OFFERING_CREATED, offering, actor=actor, changes=changes)
    return offering


@transaction.atomic
def do_update_offering(
    offering: ServiceOffering, *, actor: User | None, **fields: Any
) -> ServiceOffering:
    changes = apply_changes(offering, fields, OFFERING_FIELDS)
    if changes:
        _check_offering_name(offering)
        offering.full_clean()
        offering.save()
        record_event(EventType.OFFERING_UPDATED, offering, actor=actor, changes=changes)
    return offering


def _depends_transitively(start: Service, target: Service) -> bool:
    """Does `start` already depend, directly or through others, on `target`?"""
    seen: set[int] = set()
    frontier = {start.pk}
    while frontier:
        if target.pk in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                ServiceDependency.objects.filter(service_id__in=frontier).values_list(
                    "depends_on_id", flat=True
                )
            )
            - seen
        )
    return False


@transaction.atomic
def do_add_service_dependency(
    service: Service, depends_on: Service, *, actor: User | None, kind: str = "uses", note: str = ""
) -> ServiceDependency:
    if service.pk == depends_on.pk:
        raise ValidationError({"depends_on": "a service cannot depend on itself"})
    if ServiceDependency.objects.filter(service=service, depends_on=depends_on).exists():
        raise ValidationError({"depends_on": f"{service} already depends on {depends_on}"})
    if _depends_transitively(depends_on, service):
        raise ValidationError(
            {"depends_on": f"{depends_on} already depends on {service}; that would make a cycle"}
        )
    dependency = ServiceDependency(service=service, depends_on=depends_on, kind=kind, note=note)
    dependency.full_clean()
    dependency.save()
    record_event(
        EventType.SERVICE_DEPENDENCY_ADDED,
        service,
        actor=actor,
        data={"depends_on": depends_on, "kind": kind, "note": note},
    )
    return dependency


@transaction.atomic
def do_remove_service_dependency(dependency: ServiceDependency, *, actor: User | None) -> None:
    service, depends_on = dependency.service, dependency.depends_on
    kind = dependency.kind
    dependency.delete()
    record_event(
        EventType.SERVICE_DEPENDENCY_REMOVED,
        service,
        actor=actor,
        data={"depends_on": depends_on, "kind": kind},
    )


@transaction.atomic
def do_create_ci(
    *, actor: User | None, services: list[Service] | None = None, **fields: Any
) -> ConfigurationItem:
    ci = ConfigurationItem()
    changes = apply_changes(ci, fields, CI_FIELDS)
    ci.full_clean()
    ci.save()
    if services:
        ci.services.set(services)
        services_change = m2m_change([], services)
        if services_change:
            changes["services"] = services_change
    record_event(EventType.CI_CREATED, ci, actor=actor, changes=changes)
    return ci


@transaction.atomic
def do_update_ci(
    ci: ConfigurationItem,
    *,
    actor: User | None,
    services: list[Service] | None = None,
    **fields: Any,
) -> ConfigurationItem:
    changes = apply_changes(ci, fields, CI_FIELDS)
    if changes:
        ci.full_clean()
        ci.save()
    if services is not None:
        services_change = m2m_change(ci.services.all(), services)
        if services_change:
            ci.services.set(services)
            changes["services"] = services_change
    if changes:
        record_event(EventType.CI_UPDATED, ci, actor=actor, changes=changes)
    return ci


@transaction.atomic
def do_ensure_configuration_items(names: Iterable[str], *, source: str) -> dict[str, Any]:
    """CIs for the names met in imported data, found by name or created (type "other")."""
    builders = {
        name: partial(ConfigurationItem, name=name, ci_type=CIType.OTHER) for name in names
    }
    return ensure_records(
        ConfigurationItem,
        "name",
        builders,
        event_type=EventType.CI_CREATED,
        journaled_fields=("name", "ci_type", "status"),
        actor_repr=source,
    )


@transaction.atomic
def do_ensure_locations(names: Iterable[str], *, source: str) -> dict[str, Any]:
    """Locations for the names met in imported data, found by name or created."""
    return ensure_records(
        Location,
        "name",
        {name: partial(Location, name=name) for name in names},
        event_type=EventType.LOCATION_CREATED,
        journaled_fields=("name",),
        actor_repr=source,
    )
