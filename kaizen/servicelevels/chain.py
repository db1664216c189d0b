"""The chain check: for each ticket target of a service level agreement, the operational level
agreements and underpinning contracts that support it, and whether they fit inside it.

A customer target (an SLA definition: so many business minutes on its calendar) is checked for
each service the agreement covers: it is supported by the OLAs and contracts in force on the day
that cover the service (a contract may cover a configuration item of it) and commit to the same
metric, for the same priority (or any priority, when they have no target for that one).

Each link's commitment is a time on *its own* agreed hours, which need not be the customer's:
a supplier's 4 hours round the clock can cost at most 4 of the customer's business hours, a
team's 4 office hours started on a Friday afternoon can span a weekend of a round-the-clock
customer agreement. So a link is counted at its **worst case in the customer's time**: the most
customer business time its commitment can take — started at the worst moment and finished at
the last instant its own clock allows — over every start at each quarter hour of the four weeks
from the day checked (`worst_case_us`: exact for hours that open and close on the quarter hour
and commitments in quarter hours, within a quarter hour otherwise).

- **Resolution**: the links work one after another, so the chain fits when the links' worst
  cases plus a hand-over between each two (the terms' `handoff_minutes`, in the customer's time)
  add up to at most the customer target.
- **Response**: whoever receives the ticket first responds, so the chain fits when each link's
  worst case alone fits inside the customer target.

A target with no supporting link is reported as such (nothing underpins it), not as fitting.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.servicelevels.models import Agreement, AgreementKind, AgreementStatus, AgreementTerms
from kaizen.sla.calendar import CalendarIndex
from kaizen.sla.models import SLADefinition, TargetKind
from kaizen.sla.targets import calendar_index

MINUTE_US = 60 * 10**6
STEP = dt.timedelta(minutes=15)
SPAN = dt.timedelta(days=28)


def worst_case_us(
    link_hours: CalendarIndex, link_minutes: int, customer_hours: CalendarIndex, day: dt.date
) -> int:
    """The most customer business time `link_minutes` of business time on `link_hours` can
    take, over starts at every quarter hour of the four weeks from `day` (in the customer's
    time zone)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=customer_hours.zone).astimezone(dt.UTC)
    amount = link_minutes * MINUTE_US
    worst, moment, end = 0, start, start + SPAN
    while moment < end:
        # The link meets its commitment up to the last instant before its own clock would
        # count again: done at 12:00 on a mornings-only calendar, it may finish by 8:00 the
        # next working day and still have used only its time.
        latest = link_hours.first_counted_instant_after(link_hours.instant_reaching(moment, amount))
        worst = max(worst, customer_hours.business_us(moment, latest))
        moment += STEP
    return worst


@dataclass
class ChainLink:
    agreement: Agreement
    terms: AgreementTerms
    minutes: int  # its commitment, in business minutes on its own hours
    attainment_percent: str
    worst_us: int  # the most of the customer's business time it can take


@dataclass
class ServiceChain:
    """The links behind one target for one service of the agreement."""

    service: Service
    metric: str
    customer_us: int | None  # the customer target, in its business time
    handoff_minutes: int
    links: list[ChainLink] = field(default_factory=list)

    @property
    def handoffs(self) -> int:
        if self.metric == TargetKind.RESPONSE:
            return 0
        return max(len(self.links) - 1, 0)

    @property
    def handoff_total_minutes(self) -> int:
        return self.handoffs * self.handoff_minutes

    @property
    def used_us(self) -> int:
        """The customer time the chain may take at worst."""
        if not self.links:
            return 0
        if self.metric == TargetKind.RESPONSE:
            return max(link.worst_us for link in self.links)
        return sum(link.worst_us for link in self.links) + self.handoff_total_minutes * MINUTE_US

    @property
    def fits(self) -> bool | None:
        """True: the chain fits inside the customer target; False: it does not; None: no
        link supports the target for this service (or its definition is gone)."""
        if not self.links or self.customer_us is None:
            return None
        return self.used_us <= self.customer_us

    @property
    def margin_us(self) -> int | None:
        if self.fits is None or self.customer_us is None:
            return None
        return self.customer_us - self.used_us


@dataclass
class TargetChain:
    """One ticket target of the SLA, with its chain for each service the SLA covers."""

    metric: str
    priority: int | None
    definition: SLADefinition | None
    attainment_percent: str
    services: list[ServiceChain] = field(default_factory=list)

    @property
    def customer_us(self) -> int | None:
        return None if self.definition is None else self.definition.target_minutes * MINUTE_US

    @property
    def fits(self) -> bool | None:
        """False when a service's chain does not fit; None when no service's chain has a
        link; True when every chain with links fits (`unsupported` names the others)."""
        verdicts = [chain.fits for chain in self.services if chain.fits is not None]
        if not verdicts:
            return None
        return all(verdicts)

    @property
    def unsupported(self) -> list[Service]:
        return [chain.service for chain in self.services if chain.fits is None]


def _terms_on(agreement: Agreement, day: dt.date) -> AgreementTerms | None:
    """The version in force on `day` (versions prefetched in order of their day)."""
    chosen = None
    for terms in agreement.versions.all():
        if terms.valid_from <= day:
            chosen = terms
    return chosen


def _supporting(
    services: set[int], day: dt.date
) -> list[tuple[Agreement, AgreementTerms, set[int]]]:
    """The OLAs and contracts in force on `day` covering some of `services` (a contract also
    through a configuration item of one), each with the services of `services` it covers."""
    services_of_item: dict[int, set[int]] = {}
    for item_id, service_id in ConfigurationItem.services.through.objects.filter(
        service_id__in=services
    ).values_list("configurationitem_id", "service_id"):
        services_of_item.setdefault(item_id, set()).add(service_id)
    candidates = (
        Agreement.objects.filter(
            kind__in=(AgreementKind.OLA, AgreementKind.UC),
            status=AgreementStatus.ACTIVE,
            starts_on__lte=day,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("provider_team", "supplier")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=AgreementTerms.objects.order_by("valid_from")
                .select_related("calendar")
                .prefetch_related("services", "configuration_items"),
            )
        )
        .order_by("kind", "number")
    )
    found = []
    for agreement in candidates:
        terms = _terms_on(agreement, day)
        if terms is None:
            continue
        covered = {service.pk for service in terms.services.all()} & services
        for item in terms.configuration_items.all():
            covered |= services_of_item.get(item.pk, set())
        if covered:
            found.append((agreement, terms, covered))
    return found


def _commitment(targets: Iterable[dict[str, Any]], metric: str, priority: int | None) -> Any:
    """The link's target for the metric and priority: its own for the priority, else its
    target for any priority."""
    matching = [target for target in targets if target["metric"] == metric]
    for target in matching:
        if target["priority"] == priority:
            return target
    for target in matching:
        if target["priority"] is None:
            return target
    return None


def chain_check(agreement: Agreement, day: dt.date) -> list[TargetChain]:
    """Each ticket target of the SLA's terms in force on `day`, with, for each service it
    covers, the links that support it."""
    terms = agreement.versions.filter(valid_from__lte=day).order_by("-valid_from").first()
    if agreement.kind != AgreementKind.SLA or terms is None:
        return []
    services = list(terms.services.order_by("name"))
    links = _supporting({service.pk for service in services}, day)
    definitions = SLADefinition.objects.select_related("calendar").in_bulk(
        [target["sla_definition"] for target in terms.targets if target["sla_definition"]]
    )
    hours: dict[int, CalendarIndex] = {}
    worst: dict[tuple[int, int, int], int] = {}

    def hours_of(calendar: Any) -> CalendarIndex:
        if calendar.pk not in hours:
            hours[calendar.pk] = calendar_index(calendar)
        return hours[calendar.pk]

    def worst_of(link_calendar: Any, minutes: int, customer_calendar: Any) -> int:
        key = (link_calendar.pk, minutes, customer_calendar.pk)
        if key not in worst:
            worst[key] = worst_case_us(
                hours_of(link_calendar), minutes, hours_of(customer_calendar), day
            )
        return worst[key]

    chains = []
    for target in terms.targets:
        definition = definitions.get(target["sla_definition"])
        chain = TargetChain(
            metric=target["metric"],
            priority=target["priority"],
            definition=definition,
            attainment_percent=target["attainment_percent"],
        )
        for service in services:
            service_chain = ServiceChain(
                service=service,
                metric=target["metric"],
                customer_us=chain.customer_us,
                handoff_minutes=terms.handoff_minutes,
            )
            for link_agreement, link_terms, covered in links:
                commitment = _commitment(link_terms.targets, target["metric"], target["priority"])
                if commitment is None or definition is None or service.pk not in covered:
                    continue
                service_chain.links.append(
                    ChainLink(
                        agreement=link_agreement,
                        terms=link_terms,
                        minutes=commitment["minutes"],
                        attainment_percent=commitment["attainment_percent"],
                        worst_us=worst_of(
                            link_terms.calendar, commitment["minutes"], definition.calendar
                        ),
                    )
                )
            chain.services.append(service_chain)
        chains.append(chain)
    return chains
