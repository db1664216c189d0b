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
from kaizen.journal.services import (
    apply_changes,
    ensure_records,
    record_event,
)
from kaizen.journal.tracking import TrackedRecord
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

# How each record is locked, saved and journaled (kaizen/journal/tracking.py): an update locks
# and re-reads the row, refuses a stale `expected_version`, and writes only what changed.
SERVICES = TrackedRecord(
    model=Service,
    tracked_fields=(*SERVICE_FIELDS, "lifecycle"),
    related_fields=("owner", "support_team"),
    versioned_events=(
        EventType.SERVICE_CREATED,
        EventType.SERVICE_UPDATED,
        EventType.SERVICE_LIFECYCLE_CHANGED,
    ),
    label_field="name",
    noun="service",
)
OFFERINGS = TrackedRecord(
    model=ServiceOffering,
    tracked_fields=("service", *OFFERING_FIELDS),
    related_fields=("service",),
    bookkeeping_fields=("version",),
    label_field="name",
    noun="offering",
)
CIS = TrackedRecord(
    model=ConfigurationItem,
    tracked_fields=(*CI_FIELDS, "services"),
    many_fields=("services",),
    related_fields=("support_team",),
    versioned_events=(EventType.CI_CREATED, EventType.CI_UPDATED),
    label_field="name",
    noun="configuration item",
)

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
    apply_changes(service, fields, SERVICE_FIELDS)
    service.full_clean()
    service.save()
    SERVICES.record_created(EventType.SERVICE_CREATED, service, actor=actor)
    return service


@transaction.atomic
def do_update_service(
    service: Service, *, actor: User | None, expected_version: int | None = None, **fields: Any
) -> Service:
    """Raises VersionConflict when the service is no longer at `expected_version` (None: the
    caller read no version, e.g. the demo loader; the fields given are still applied to the
    current row, never to the caller's copy)."""
    locked = SERVICES.lock(service, expected_version)
    before = SERVICES.snapshot(locked)
    if apply_changes(locked, fields, SERVICE_FIELDS):
        locked.full_clean()
    SERVICES.finish(locked, service, before, EventType.SERVICE_UPDATED, actor=actor)
    return service


def allowed_lifecycle_targets(service: Service) -> list[Lifecycle]:
    return sorted(LIFECYCLE_TRANSITIONS[Lifecycle(service.lifecycle)], key=list(Lifecycle).index)


@transaction.atomic
def do_change_service_lifecycle(
    service: Service,
    lifecycle: str,
    *,
    actor: User | None,
    reason: str = "",
    expected_version: int | None = None,
) -> Service:
    try:
        target = Lifecycle(lifecycle)
    except ValueError as exc:
        raise ValidationError({"lifecycle": f"unknown lifecycle {lifecycle!r}"}) from exc
    # The row is locked, so two people moving the same service cannot both pass the check.
    locked = SERVICES.lock(service, expected_version)
    before = SERVICES.snapshot(locked)
    current = Lifecycle(locked.lifecycle)
    if target not in LIFECYCLE_TRANSITIONS[current]:
        move = f"a {current.label.lower()} service cannot move to {target.label.lower()}"
        raise ValidationError({"lifecycle": move})
    if target == Lifecycle.LIVE and locked.owner_id is None:
        raise ValidationError({"lifecycle": "a service needs an owner before it goes live"})
    locked.lifecycle = target.value
    SERVICES.finish(
        locked,
        service,
        before,
        EventType.SERVICE_LIFECYCLE_CHANGED,
        actor=actor,
        data={"reason": reason} if reason else None,
    )
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
    apply_changes(offering, fields, OFFERING_FIELDS)
    _check_offering_name(offering)
    offering.full_clean()
    offering.save()
    OFFERINGS.record_created(EventType.OFFERING_CREATED, offering, actor=actor)
    return offering


@transaction.atomic
def do_update_offering(
    offering: ServiceOffering,
    *,
    actor: User | None,
    expected_version: int | None = None,
    **fields: Any,
) -> ServiceOffering:
    """Raises VersionConflict when the offering is no longer at `expected_version`."""
    locked = OFFERINGS.lock(offering, expected_version)
    before = OFFERINGS.snapshot(locked)
    if apply_changes(locked, fields, OFFERING_FIELDS):
        _check_offering_name(locked)
        locked.full_clean()
    OFFERINGS.finish(locked, offering, before, EventType.OFFERING_UPDATED, actor=actor)
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
    apply_changes(ci, fields, CI_FIELDS)
    ci.full_clean()
    ci.save()
    ci.services.set(services or [])
    CIS.record_created(EventType.CI_CREATED, ci, actor=actor)
    return ci


@transaction.atomic
def do_update_ci(
    ci: ConfigurationItem,
    *,
    actor: User | None,
    expected_version: int | None = None,
    services: list[Service] | None = None,
    **fields: Any,
) -> ConfigurationItem:
    """Raises VersionConflict when the CI is no longer at `expected_version`. `services`
    replaces the services the CI supports (None leaves them)."""
    locked = CIS.lock(ci, expected_version)
    before = CIS.snapshot(locked)
    if apply_changes(locked, fields, CI_FIELDS):
        locked.full_clean()
    if services is not None:
        locked.services.set(services)
    CIS.finish(locked, ci, before, EventType.CI_UPDATED, actor=actor)
    return ci


@transaction.atomic
def do_ensure_configuration_items(names: Iterable[str], *, source: str) -> dict[str, Any]:
    """CIs for the names met in imported data, found by name or created (type "other")."""
    builders = {name: partial(ConfigurationItem, name=name, ci_type=CIType.OTHER) for name in names}
    return ensure_records(
        ConfigurationItem,
        "name",
        builders,
        event_type=EventType.CI_CREATED,
        # A new CI supports no service yet: the fold reads a missing list as empty.
        journaled_fields=CI_FIELDS,
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
