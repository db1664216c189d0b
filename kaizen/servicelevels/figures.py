"""The figures of an agreement's service level report for a period, as plain data.

`report_figures(agreement, first_day, last_day)` reads everything the report shows in a fixed
number of queries whatever the period's length (and whatever the trend's): the versions of
the terms, the confirmed outages and maintenance windows (kaizen.availability's
AvailabilityBook), the SLA clocks of the targets' definitions, the incidents, changes and
problems on the covered services.

- **Terms in force**: the period is cut where a version of the terms applies from (the start
  of its day in its calendar's time zone, as availability targets are); each part is judged on
  its own agreed hours, availability target and ticket targets ("reports use the target that
  was in force"). Time outside the agreement (before its start, after its end) is not part of
  any figure.
- **Availability per covered service**, under the agreement's agreed hours and availability
  target (not the service's own target), by the availability engine
  (kaizen/availability/engine.py): confirmed outages, planned work inside a maintenance
  window left out, overlaps counted once. A version without an availability target makes the
  period's availability measured but not judged.
- **Ticket targets**: an SLA target is measured by the clocks of its SLA definition on the
  tickets of the part's services (of the priority named, if any) that ended in the part: a
  met clock when it stopped, a breached one when it breached (a breach is final whatever
  happens next, so the period a miss counts in never moves; when it stopped if its breach
  instant is not known). Attainment = met / ended; the target is
  met when it reaches its attainment percent; no ended clock is "no tickets", not a miss. An
  OLA's or contract's target in minutes is listed, not measured (no clock measures it).
- **Trend**: the headline figures of the three periods before, of the same length (calendar
  months when the period is one).

The KPI `service_level.services_meeting_targets_pct` is measured from the same book
(`ServiceLevelBook`), so the report and the KPI never differ.
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaizen.availability.engine import AvailabilityFigure, Terms, measure
from kaizen.availability.models import Outage, OutageKind
from kaizen.availability.selectors import AvailabilityBook, spans_of
from kaizen.catalog.models import Service
from kaizen.catalog.ticket_sources import ticket_source
from kaizen.changes.models import CausedIncident, CausedIncidentStatus, Change
from kaizen.incidents.models import Incident
from kaizen.problems.models import Problem
from kaizen.servicelevels.models import Agreement, AgreementTerms
from kaizen.servicelevels.targets import METRICS, describe
from kaizen.sla.calendar import CalendarIndex
from kaizen.sla.models import ClockState, SLAClock, SLADefinition

TREND_PERIODS = 3
LISTED_TICKETS = 50  # incidents listed in a report at most (all are counted)
# Outages listed per service, the longest first (all are counted; the service's availability
# page lists every one): a year's pack stays readable.
LISTED_OUTAGES = 10
OUTAGE_KINDS = dict(OutageKind.choices)


# --- periods -------------------------------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    """The start of a day in the site's time zone: where reports' and KPIs' periods begin."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class Period:
    """The days [first_day, last_day], as the instants [start, end)."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return day_start(self.last_day + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def is_month(self) -> bool:
        return self.first_day.day == 1 and month_end(self.first_day) == self.last_day

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.first_day:%B %Y}"
        return f"{self.first_day:%-d %b %Y} – {self.last_day:%-d %b %Y}"

    @property
    def short_label(self) -> str:
        return f"{self.first_day:%b %Y}" if self.is_month else self.label


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def last_full_month(today: dt.date) -> Period:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return Period(last.replace(day=1), last)


def earlier_periods(period: Period, count: int = TREND_PERIODS) -> list[Period]:
    """The `count` periods before `period`, oldest first, of the same length: calendar months
    when it is one, else as many days."""
    periods = []
    current = period
    for _ in range(count):
        if current.is_month:
            last = current.first_day - dt.timedelta(days=1)
            current = Period(last.replace(day=1), last)
        else:
            length = dt.timedelta(days=current.days)
            current = Period(current.first_day - length, current.last_day - length)
        periods.append(current)
    return periods[::-1]


# --- the figures' parts --------------------------------------------------------------------


@dataclass
class TermsPart:
    """One version of the terms over the part of the period it was in force."""

    sequence: int
    valid_from: dt.date
    note: str
    calendar_name: str
    availability_percent: Decimal | None
    targets: list[dict[str, Any]]
    service_ids: list[int]
    service_names: list[str]
    start: dt.datetime
    end: dt.datetime
    hours: CalendarIndex = field(repr=False)

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start).date()

    @property
    def last_day(self) -> dt.date:
        return timezone.localtime(self.end - dt.timedelta(microseconds=1)).date()


@dataclass
class OutageLine:
    number: str
    title: str
    kind: str
    kind_label: str
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: still going on
    downtime_us: Fraction  # the agreed service time it took alone


@dataclass
class ServiceFigures:
    """A covered service's availability under the agreement's hours and targets."""

    service_id: int
    name: str
    figure: AvailabilityFigure
    outages: list[OutageLine] = field(default_factory=list)

    @property
    def outage_count(self) -> int:
        return len(self.outages)

    @property
    def outages_listed(self) -> list[OutageLine]:
        return self.outages[:LISTED_OUTAGES]

    @property
    def outages_not_listed(self) -> int:
        return max(len(self.outages) - LISTED_OUTAGES, 0)

    @property
    def downtime_not_listed_us(self) -> Fraction:
        return sum((line.downtime_us for line in self.outages[LISTED_OUTAGES:]), Fraction(0))

    @property
    def verdict(self) -> str:
        met = self.figure.met
        return "not_judged" if met is None else "met" if met else "not_met"


@dataclass
class TargetAttainment:
    """One ticket target of one version, over the part of the period it was in force."""

    sequence: int  # the version's
    metric: str
    priority: int | None
    sla_definition_id: int | None
    minutes: int | None
    attainment_percent: Decimal
    description: str
    met: int = 0
    total: int = 0

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.metric, self.priority)

    @property
    def label(self) -> str:
        which = f"priority {self.priority}" if self.priority else "any priority"
        return f"{METRICS[self.metric].capitalize()}, {which}"

    @property
    def measured(self) -> bool:
        return self.sla_definition_id is not None

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.total if self.total else None

    @property
    def verdict(self) -> str:
        return verdict_of(self.measured, self.met, self.total, self.attainment_percent)


def verdict_of(measured: bool, met: int, total: int, attainment: Decimal) -> str:
    if not measured:
        return "not_measured"
    if not total:
        return "no_tickets"
    return "met" if Fraction(met * 100, total) >= Fraction(attainment) else "not_met"


@dataclass
class TargetHeadline:
    """A ticket target over a whole period, its versions' parts together: met when no part
    missed it."""

    metric: str
    priority: int | None
    label: str
    met: int
    total: int
    verdict: str

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.total if self.total else None


def headlines(attainments: Iterable[TargetAttainment]) -> list[TargetHeadline]:
    grouped: dict[tuple[str, int | None], list[TargetAttainment]] = {}
    for attainment in attainments:
        grouped.setdefault(attainment.key, []).append(attainment)
    result = []
    for (metric, priority), parts in sorted(grouped.items(), key=lambda i: (i[0][0], i[0][1] or 0)):
        verdicts = {part.verdict for part in parts}
        verdict = next(
            (v for v in ("not_met", "met", "no_tickets", "not_measured") if v in verdicts), ""
        )
        result.append(
            TargetHeadline(
                metric,
                priority,
                parts[0].label,
                sum(part.met for part in parts),
                sum(part.total for part in parts),
                verdict,
            )
        )
    return result


@dataclass
class PeriodHeadline:
    """The headline figures of a period: the trend's rows."""

    period: Period
    services: list[ServiceFigures]
    targets: list[TargetHeadline]

    def service(self, service_id: int) -> ServiceFigures | None:
        return next((s for s in self.services if s.service_id == service_id), None)

    def target(self, metric: str, priority: int | None) -> TargetHeadline | None:
        return next((t for t in self.targets if (t.metric, t.priority) == (metric, priority)), None)


@dataclass
class ClockVerdict:
    definition: str
    state: str
    state_label: str


@dataclass
class IncidentLine:
    number: str
    title: str
    service: str
    priority: int
    state_label: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    clocks: list[ClockVerdict] = field(default_factory=list)


@dataclass
class ChangeLine:
    number: str
    title: str
    state_label: str
    outcome: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    services: list[str]
    caused_incidents: list[str]


@dataclass
class ProblemLine:
    number: str
    statement: str
    state_label: str
    opened_at: dt.datetime
    services: list[str]


@dataclass
class ReportFigures:
    agreement: Agreement
    period: Period
    parts: list[TermsPart]
    services: list[ServiceFigures]
    targets: list[TargetAttainment]
    incidents: list[IncidentLine]
    incidents_opened: int
    incidents_resolved: int
    changes: list[ChangeLine]
    problems: list[ProblemLine]
    trend: list[PeriodHeadline]
    missed: list[str]
    measured_until: dt.datetime

    @property
    def headline(self) -> PeriodHeadline:
        return PeriodHeadline(self.period, self.services, headlines(self.targets))

    def trend_table(self) -> tuple[list[str], list[dict[str, Any]]]:
        """The trend as a table: the column names (each service's availability, each ticket
        target's attainment, as in any of the periods) and a row per period, oldest first,
        this period last; each cell {"kind": "availability" | "attainment", "value",
        "verdict"} or None where the period did not have it."""
        periods = [*self.trend, self.headline]
        services: dict[int, str] = {}
        targets: dict[tuple[str, int | None], str] = {}
        for row in periods:
            services.update({s.service_id: s.name for s in row.services})
            targets.update({(t.metric, t.priority): t.label for t in row.targets})
        ordered_targets = sorted(targets, key=lambda key: (key[0], key[1] or 0))
        columns = [f"{name} availability" for name in services.values()] + [
            targets[key] for key in ordered_targets
        ]
        rows = []
        for row in periods:
            cells: list[dict[str, Any] | None] = []
            for service_id in services:
                found = row.service(service_id)
                cells.append(
                    None
                    if found is None
                    else {
                        "kind": "availability",
                        "value": found.figure.availability_percent,
                        "verdict": found.verdict,
                    }
                )
            for key in ordered_targets:
                target = row.target(*key)
                cells.append(
                    None
                    if target is None
                    else {"kind": "attainment", "value": target.percent, "verdict": target.verdict}
                )
            rows.append({"period": row.period, "current": row is periods[-1], "cells": cells})
        return columns, rows

    @property
    def incidents_listed_all(self) -> bool:
        return len(self.incidents) < LISTED_TICKETS

    @property
    def verdict(self) -> str:
        """met: every target judged was met; missed: at least one was not; not_judged: the
        period had nothing to judge (no target, or no ticket and no availability target)."""
        if self.missed:
            return "missed"
        judged = [s for s in self.services if s.verdict == "met"] + [
            t for t in self.targets if t.verdict == "met"
        ]
        return "met" if judged else "not_judged"


# --- the book: everything read once --------------------------------------------------------


class ClockRow(NamedTuple):
    definition_id: int
    service_id: int
    priority: int | None
    met: bool
    ended_at: dt.datetime


class ServiceLevelBook:
    """The terms of some agreements, the outages of the services they cover and the ended SLA
    clocks of their targets over [start, end), read once (a fixed number of queries), for
    figures over any period inside: a report and its trend, the KPI over many periods."""

    def __init__(
        self,
        agreements: Sequence[Agreement],
        start: dt.datetime,
        end: dt.datetime,
        *,
        now: dt.datetime | None = None,
    ) -> None:
        self.agreements = {agreement.pk: agreement for agreement in agreements}
        versions = (
            AgreementTerms.objects.filter(agreement_id__in=list(self.agreements))
            .select_related("calendar")
            .prefetch_related(
                "calendar__periods",
                "calendar__closures",
                Prefetch("services", queryset=Service.objects.order_by("name")),
            )
            .order_by("agreement_id", "valid_from")
        )
        self.versions: dict[int, list[AgreementTerms]] = {}
        services: dict[int, Service] = {}
        for terms in versions:
            self.versions.setdefault(terms.agreement_id, []).append(terms)
            services.update({service.pk: service for service in terms.services.all()})
        self.services = services
        self.availability = AvailabilityBook(
            start, end, now=now, services=list(services.values()), targeted_only=False
        )
        self.now = self.availability.now
        self.start, self.end = start, self.availability.end
        definition_ids = {
            target["sla_definition"]
            for listed in self.versions.values()
            for terms in listed
            for target in terms.targets
            if target.get("sla_definition")
        }
        self.definitions = SLADefinition.objects.in_bulk(list(definition_ids))
        self.clocks = self._ended_clocks(list(services))
        # By definition, in order of their end: a part's clocks are found by bisection.
        self._clocks: dict[int, list[ClockRow]] = {}
        for clock in self.clocks:
            self._clocks.setdefault(clock.definition_id, []).append(clock)
        self._clock_ends = {
            definition_id: [clock.ended_at for clock in listed]
            for definition_id, listed in self._clocks.items()
        }

    def _ended_clocks(self, service_ids: list[int]) -> list[ClockRow]:
        """The clocks of the targets' definitions that ended in the range on the services'
        tickets, with the ticket's service and priority: one query per kind of ticket."""
        by_kind: dict[str, list[int]] = {}
        for definition in self.definitions.values():
            by_kind.setdefault(definition.ticket_kind, []).append(definition.pk)
        rows: list[ClockRow] = []
        low, high = self.start, self.end
        for kind, definition_ids in by_kind.items():
            source = ticket_source(kind)
            if source is None or not source.service_field or not service_ids:
                continue  # a kind whose tickets name no single service: none on a service
            tickets = source.model.objects.filter(pk=OuterRef("ticket_id"))
            # A met clock counts when it stopped; a breached one when it breached (else when
            # it stopped): the period a miss counts in never moves afterwards.
            ended = Case(
                When(state=ClockState.MET, then=F("stopped_at")),
                default=Coalesce(F("breach_at"), F("stopped_at")),
            )
            values = (
                SLAClock.objects.filter(
                    definition_id__in=definition_ids,
                    ticket_type=ContentType.objects.get_for_model(source.model),
                    state__in=(ClockState.MET, ClockState.BREACHED),
                )
                .annotate(_ended=ended)
                .filter(_ended__gte=low, _ended__lt=high)
                .annotate(
                    _service=Subquery(tickets.values(f"{source.service_field}_id")[:1]),
                    _priority=Subquery(tickets.values("priority")[:1]),
                )
                .filter(_service__in=service_ids)
                .values_list("definition_id", "_service", "_priority", "state", "_ended")
                .order_by("_ended")
            )
            rows.extend(
                ClockRow(definition, service, priority, state == ClockState.MET, ended)
                for definition, service, priority, state, ended in values
            )
        return rows

    # --- per agreement and period ---

    def parts(self, agreement: Agreement, low: dt.datetime, high: dt.datetime) -> list[TermsPart]:
        """The versions in force over [low, high), each cut to its share of it."""
        high = min(high, self.end)
        versions = self.versions.get(agreement.pk, [])
        begins = [
            dt.datetime.combine(
                terms.valid_from, dt.time(), tzinfo=ZoneInfo(terms.calendar.time_zone)
            )
            for terms in versions
        ]
        finish: dt.datetime | None = None
        if agreement.ends_on is not None and versions:
            zone = ZoneInfo(versions[-1].calendar.time_zone)
            finish = dt.datetime.combine(agreement.ends_on + dt.timedelta(days=1), dt.time(), zone)
        parts = []
        for index, terms in enumerate(versions):
            until = begins[index + 1] if index + 1 < len(versions) else finish
            part_low = max(low, begins[index])
            part_high = high if until is None else min(high, until)
            if part_low >= part_high:
                continue
            services = list(terms.services.all())
            parts.append(
                TermsPart(
                    sequence=terms.sequence,
                    valid_from=terms.valid_from,
                    note=terms.note,
                    calendar_name=terms.calendar.name,
                    availability_percent=terms.availability_percent,
                    targets=list(terms.targets),
                    service_ids=[service.pk for service in services],
                    service_names=[service.name for service in services],
                    start=part_low,
                    end=part_high,
                    hours=self.availability.hours_of(terms.calendar),
                )
            )
        return parts

    def service_figures(
        self, parts: list[TermsPart], low: dt.datetime, high: dt.datetime, *, itemised: bool
    ) -> list[ServiceFigures]:
        """Each covered service's availability over the parts that cover it, on their hours
        and targets."""
        high = min(high, self.end)
        covered: dict[int, list[Terms]] = {}
        for part in parts:
            for service_id in part.service_ids:
                covered.setdefault(service_id, []).append(
                    Terms(part.start, part.end, part.hours, part.availability_percent)
                )
        book = self.availability
        result = []
        for service_id, terms in covered.items():
            spans = spans_of(
                book.outages.get(service_id, []),
                low,
                high,
                book.windows.get(service_id, []),
                book.now,
            )
            figure = measure(low, high, terms, spans, itemised=itemised)
            result.append(ServiceFigures(service_id, self.services[service_id].name, figure))
        return sorted(result, key=lambda figures: figures.name.lower())

    def attainments(
        self, parts: list[TermsPart], *, service_id: int | None = None
    ) -> list[TargetAttainment]:
        """Each ticket target of each part, from the clocks that ended in the part on its
        services (on `service_id` only, when given)."""
        result = []
        for part in parts:
            services = set(part.service_ids)
            if service_id is not None:
                services &= {service_id}
            for target in part.targets:
                attainment = TargetAttainment(
                    sequence=part.sequence,
                    metric=target["metric"],
                    priority=target["priority"],
                    sla_definition_id=target.get("sla_definition"),
                    minutes=target.get("minutes"),
                    attainment_percent=Decimal(target["attainment_percent"]),
                    description=describe(target, self.definitions),
                )
                for clock in self._ended_in(attainment.sla_definition_id, part.start, part.end):
                    if clock.service_id in services and (
                        attainment.priority is None or clock.priority == attainment.priority
                    ):
                        attainment.total += 1
                        attainment.met += clock.met
                result.append(attainment)
        return result

    def _ended_in(
        self, definition_id: int | None, low: dt.datetime, high: dt.datetime
    ) -> list[ClockRow]:
        listed = self._clocks.get(definition_id or 0)
        if not listed:
            return []
        ends = self._clock_ends[definition_id or 0]
        return listed[bisect.bisect_left(ends, low) : bisect.bisect_left(ends, high)]

    def headline(self, agreement: Agreement, period: Period) -> PeriodHeadline:
        parts = self.parts(agreement, period.start, period.end)
        return PeriodHeadline(
            period,
            self.service_figures(parts, period.start, period.end, itemised=False),
            headlines(self.attainments(parts)),
        )


def services_meeting_targets(
    book: ServiceLevelBook, agreements: Iterable[Agreement], period: Period
) -> dict[int, bool]:
    """Each service covered in the period by one of `agreements`: whether it met every target
    agreed for it (each agreement's availability target on the agreement's hours, and each
    ticket target on the service's own tickets). Nothing judged is nothing missed."""
    result: dict[int, bool] = {}
    for agreement in agreements:
        parts = book.parts(agreement, period.start, period.end)
        for figures in book.service_figures(parts, period.start, period.end, itemised=False):
            met = figures.verdict != "not_met" and all(
                attainment.verdict != "not_met"
                for attainment in book.attainments(parts, service_id=figures.service_id)
            )
            result[figures.service_id] = result.get(figures.service_id, True) and met
    return result


def missed_targets(services: list[ServiceFigures], targets: list[TargetAttainment]) -> list[str]:
    """The targets missed, in words, for the verdict."""
    missed = [f"{item.name} availability" for item in services if item.verdict == "not_met"]
    missed += [
        f"{target.label} (version {target.sequence})"
        for target in targets
        if target.verdict == "not_met"
    ]
    return missed


# --- the tickets on the covered services ---------------------------------------------------


def _incidents(
    service_ids: list[int], low: dt.datetime, high: dt.datetime
) -> tuple[list[IncidentLine], int, int]:
    """The incidents on the services opened or resolved in [low, high): the lines listed
    (newest first, at most LISTED_TICKETS), how many were opened and how many resolved."""
    on = Incident.objects.filter(service_id__in=service_ids)
    opened = Q(opened_at__gte=low, opened_at__lt=high)
    resolved = Q(resolved_at__gte=low, resolved_at__lt=high)
    counts = on.aggregate(opened=Count("pk", filter=opened), resolved=Count("pk", filter=resolved))
    incidents = list(
        on.filter(opened | resolved)
        .select_related("service")
        .order_by("-opened_at", "-pk")
        .only(
            "number",
            "short_description",
            "service__name",
            "priority",
            "state",
            "opened_at",
            "resolved_at",
        )[:LISTED_TICKETS]
    )
    clocks: dict[int, list[ClockVerdict]] = {}
    labels = dict(ClockState.choices)
    if incidents:
        for ticket_id, name, state in (
            SLAClock.objects.filter(
                ticket_type=ContentType.objects.get_for_model(Incident),
                ticket_id__in=[incident.pk for incident in incidents],
            )
            .order_by("ticket_id", "sequence")
            .values_list("ticket_id", "definition__name", "state")
        ):
            clocks.setdefault(ticket_id, []).append(ClockVerdict(name, state, labels[state]))
    lines = [
        IncidentLine(
            number=incident.number,
            title=incident.short_description,
            service=incident.service.name if incident.service else "",
            priority=incident.priority,
            state_label=incident.get_state_display(),
            opened_at=incident.opened_at,
            resolved_at=incident.resolved_at,
            clocks=clocks.get(incident.pk, []),
        )
        for incident in incidents
    ]
    return lines, counts["opened"], counts["resolved"]


def _changes(service_ids: list[int], low: dt.datetime, high: dt.datetime) -> list[ChangeLine]:
    """The changes on the services whose work (actual, else planned) fell in [low, high),
    with the incidents confirmed as caused by each."""
    began = Coalesce("actual_start", "planned_start")
    finished = Coalesce("actual_end", "planned_end", "actual_start", "planned_start")
    changes = (
        Change.objects.filter(services__in=service_ids)
        .annotate(_began=began, _finished=finished)
        .filter(_began__lt=high, _finished__gte=low)
        .distinct()
        .order_by("_began", "pk")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch(
                "caused_incidents",
                queryset=CausedIncident.objects.filter(
                    status=CausedIncidentStatus.CONFIRMED
                ).order_by("incident_number"),
            ),
        )
    )
    return [
        ChangeLine(
            number=change.number,
            title=change.title,
            state_label=change.get_state_display(),
            outcome=change.get_closure_code_display() if change.closure_code else "",
            started_at=change._began,
            ended_at=change.actual_end or change.planned_end,
            services=[service.name for service in change.services.all()],
            caused_incidents=[link.incident_number for link in change.caused_incidents.all()],
        )
        for change in changes
    ]


def _problems(service_ids: list[int], at: dt.datetime) -> list[ProblemLine]:
    """The problems on the services open at `at`: opened before, not resolved or closed
    by then."""
    problems = (
        Problem.objects.filter(services__in=service_ids, opened_at__lt=at)
        .annotate(_done=Coalesce("resolved_at", "closed_at"))
        .filter(Q(_done__isnull=True) | Q(_done__gte=at))
        .distinct()
        .order_by("opened_at", "pk")
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
    )
    return [
        ProblemLine(
            number=problem.number,
            statement=problem.statement,
            state_label=problem.get_state_display(),
            opened_at=problem.opened_at,
            services=[service.name for service in problem.services.all()],
        )
        for problem in problems
    ]


def _outage_lines(figures: ServiceFigures, book: ServiceLevelBook) -> list[OutageLine]:
    rows = {row.number: row for row in book.availability.outages.get(figures.service_id, [])}
    return [
        OutageLine(
            number=share.number,
            title="",
            kind=rows[share.number].kind,
            kind_label=OUTAGE_KINDS.get(rows[share.number].kind, rows[share.number].kind),
            started_at=rows[share.number].started_at,
            ended_at=rows[share.number].ended_at,
            downtime_us=share.downtime_us,
        )
        for share in figures.figure.outages
    ]


# --- the report ----------------------------------------------------------------------------


def report_figures(
    agreement: Agreement,
    first_day: dt.date,
    last_day: dt.date,
    *,
    now: dt.datetime | None = None,
    trend: int = TREND_PERIODS,
) -> ReportFigures:
    """The report's figures for the days [first_day, last_day] (up to now at most)."""
    period = Period(first_day, last_day)
    earlier = earlier_periods(period, trend)
    book = ServiceLevelBook(
        [agreement], earlier[0].start if earlier else period.start, period.end, now=now
    )
    parts = book.parts(agreement, period.start, period.end)
    services = book.service_figures(parts, period.start, period.end, itemised=True)
    for figures in services:
        figures.outages = _outage_lines(figures, book)
    titles = dict(
        Outage.objects.filter(
            number__in=[line.number for figures in services for line in figures.outages]
        ).values_list("number", "title")
    )
    for figures in services:
        for line in figures.outages:
            line.title = titles.get(line.number, "")
    targets = book.attainments(parts)
    service_ids = sorted({service_id for part in parts for service_id in part.service_ids})
    high = min(period.end, book.end)
    incidents, opened, resolved = (
        _incidents(service_ids, period.start, high) if service_ids else ([], 0, 0)
    )
    return ReportFigures(
        agreement=agreement,
        period=period,
        parts=parts,
        services=services,
        targets=targets,
        incidents=incidents,
        incidents_opened=opened,
        incidents_resolved=resolved,
        changes=_changes(service_ids, period.start, high) if service_ids else [],
        problems=_problems(service_ids, high) if service_ids else [],
        trend=[book.headline(agreement, earlier_period) for earlier_period in earlier],
        missed=missed_targets(services, targets),
        measured_until=high,
    )
