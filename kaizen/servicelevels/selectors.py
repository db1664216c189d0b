"""What the agreement pages read: the version in force, the targets in words, the agreements
behind a service, the SLAs an OLA or contract supports."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from kaizen.catalog.models import Service
from kaizen.journal.models import JournalEvent
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTerms,
)
from kaizen.servicelevels.targets import describe
from kaizen.sla.models import SLADefinition

PARTIES = ("customer", "provider_team", "consumer_team", "supplier", "owner")


def agreements_with_versions() -> QuerySet[Agreement]:
    """Agreements with their parties and versions (services, hours) in one go."""
    return Agreement.objects.select_related(*PARTIES).prefetch_related(
        Prefetch(
            "versions",
            queryset=AgreementTerms.objects.order_by("valid_from")
            .select_related("calendar")
            .prefetch_related("services", "offerings__service", "configuration_items"),
        )
    )


def terms_in_force(agreement: Agreement, day: dt.date) -> AgreementTerms | None:
    """The version in force on `day` (from prefetched versions), or None before the first."""
    chosen = None
    for terms in agreement.versions.all():
        if terms.valid_from <= day:
            chosen = terms
    return chosen


def terms_shown(agreement: Agreement, day: dt.date) -> AgreementTerms | None:
    """The version a reader means by "the terms": in force today, else the first to come."""
    versions = list(agreement.versions.all())
    return terms_in_force(agreement, day) or (versions[0] if versions else None)


@dataclass
class TargetLine:
    metric: str
    priority: int | None
    text: str
    definition: SLADefinition | None


def target_lines(terms_list: list[AgreementTerms]) -> dict[int, list[TargetLine]]:
    """Each version's targets in words, by version id (the definitions read at once)."""
    wanted = {
        target["sla_definition"]
        for terms in terms_list
        for target in terms.targets
        if target["sla_definition"]
    }
    definitions = SLADefinition.objects.in_bulk(list(wanted))
    return {
        terms.pk: [
            TargetLine(
                metric=target["metric"],
                priority=target["priority"],
                text=describe(target, definitions),
                definition=definitions.get(target["sla_definition"] or 0),
            )
            for target in terms.targets
        ]
        for terms in terms_list
    }


def in_force_on(queryset: QuerySet[Agreement], day: dt.date) -> QuerySet[Agreement]:
    return queryset.filter(status=AgreementStatus.ACTIVE, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )


@dataclass
class ServiceAgreements:
    """The agreements behind a service today: its customers' SLAs, the teams' OLAs and the
    suppliers' contracts (a contract covering one of its configuration items counts)."""

    slas: list[tuple[Agreement, AgreementTerms]]
    olas: list[tuple[Agreement, AgreementTerms]]
    contracts: list[tuple[Agreement, AgreementTerms]]

    @property
    def suppliers(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for agreement, _ in self.contracts:
            seen.setdefault(agreement.supplier_id, agreement.supplier)
        return list(seen.values())

    @property
    def empty(self) -> bool:
        return not (self.slas or self.olas or self.contracts)


def service_agreements(service: Service, day: dt.date) -> ServiceAgreements:
    items = list(service.configuration_items.values_list("pk", flat=True))
    candidates = in_force_on(agreements_with_versions(), day).filter(
        Q(versions__services=service) | Q(versions__configuration_items__in=items)
    )
    found: dict[str, list[tuple[Agreement, AgreementTerms]]] = {"sla": [], "ola": [], "uc": []}
    for agreement in candidates.distinct().order_by("number"):
        terms = terms_in_force(agreement, day)
        if terms is None:
            continue
        covered = service in terms.services.all() or any(
            item.pk in items for item in terms.configuration_items.all()
        )
        if covered:
            found[agreement.kind].append((agreement, terms))
    return ServiceAgreements(slas=found["sla"], olas=found["ola"], contracts=found["uc"])


def supported_slas(agreement: Agreement, day: dt.date) -> list[Agreement]:
    """The SLAs in force on `day` that an OLA or contract supports: those covering a service
    it covers (or, for a contract, the service of a configuration item it covers)."""
    terms = terms_in_force(agreement, day)
    if agreement.kind == AgreementKind.SLA or terms is None:
        return []
    services = {service.pk for service in terms.services.all()}
    services |= set(
        Service.objects.filter(configuration_items__in=terms.configuration_items.all()).values_list(
            "pk", flat=True
        )
    )
    slas = in_force_on(agreements_with_versions(), day).filter(kind=AgreementKind.SLA)
    return [
        sla
        for sla in slas.filter(versions__services__in=services).distinct().order_by("number")
        if (in_force := terms_in_force(sla, day)) is not None
        and services & {service.pk for service in in_force.services.all()}
    ]


def agreement_timeline(agreement: Agreement, limit: int = 200) -> list[JournalEvent]:
    """The agreement's history with its versions', newest first, in one query."""
    versions = [str(terms.pk) for terms in agreement.versions.all()]
    own = Q(subject_type=ContentType.objects.get_for_model(Agreement), subject_id=str(agreement.pk))
    terms = Q(
        subject_type=ContentType.objects.get_for_model(AgreementTerms), subject_id__in=versions
    )
    return list(
        JournalEvent.objects.filter(own | terms).select_related("actor").order_by("-id")[:limit]
    )
