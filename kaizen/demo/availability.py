"""The demo's availability: targets for the services people depend on most, and a year of
outages written through the availability services — unplanned ones, planned work inside and
outside the maintenance windows, degraded service, outages proposed from the demo's major
incidents and failed changes (most confirmed by the service level manager, one dismissed, the
latest waiting), and a monitoring alert still open. Called by load_demo after the changes and
their calendar exist; idempotent (nothing is added when the demo's outages exist)."""

import datetime as dt
import random
from decimal import Decimal

from kaizen.availability import services
from kaizen.availability.models import (
    AvailabilityTarget,
    CauseKind,
    Outage,
    OutageKind,
    OutageOrigin,
    OutageStatus,
)
from kaizen.availability.proposals import do_propose_outages
from kaizen.catalog.models import Service
from kaizen.people.models import User
from kaizen.sla.models import BusinessCalendar

SEED = 20261207
# (service slug, target %, agreed hours: calendar slug)
TARGETS = [
    ("email", "99.9", "24x7"),
    ("network", "99.95", "24x7"),
    ("vpn", "99.5", "24x7"),
    ("erp-finance", "99.5", "uk-office-hours"),
    ("hr-portal", "99", "uk-office-hours"),
    ("crm", "99.5", "uk-office-hours"),
]
TITLES = {
    OutageKind.UNPLANNED: [
        "{name} unavailable for all users",
        "{name} not responding",
        "{name} down after a storage failure",
        "{name} unreachable: network path lost",
    ],
    OutageKind.PLANNED: ["{name} planned upgrade", "{name} patching", "{name} failover test"],
    OutageKind.DEGRADED: [
        "{name} slow for some users",
        "{name} intermittent errors",
        "{name} degraded: one node of the cluster down",
    ],
}


def _manager() -> User | None:
    return User.objects.filter(username="eva.schmidt").first()


def _record(
    rng: random.Random,
    service: Service,
    start: dt.datetime,
    minutes: int,
    kind: str,
    manager: User | None,
) -> Outage:
    share = rng.choice((20, 30, 50, 60)) if kind == OutageKind.DEGRADED else 100
    by_supplier = kind != OutageKind.PLANNED and rng.random() < 0.15
    return services.do_record_outage(
        actor=manager,
        service=service,
        kind=kind,
        share_affected=share,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        title=rng.choice(TITLES[kind]).format(name=service.name),
        cause_kind=CauseKind.SUPPLIER if by_supplier else CauseKind.OTHER,
        cause_reference="Northwind Hosting" if by_supplier else "",
        description="Recorded from the monitoring timeline and the major incident review.",
        at=start + dt.timedelta(minutes=minutes + 30),
    )


def load_availability(now: dt.datetime) -> dict[str, int]:
    added = {"availability targets": 0, "outages": 0}
    if Outage.objects.filter(origin=OutageOrigin.MANUAL).exists():
        return added
    rng = random.Random(SEED)
    manager = _manager()
    calendars = {calendar.slug: calendar for calendar in BusinessCalendar.objects.all()}
    by_slug = {service.slug: service for service in Service.objects.all()}
    year_ago = (now - dt.timedelta(days=365)).date().replace(day=1)
    for slug, percent, calendar in TARGETS:
        service = by_slug.get(slug)
        if service is None or calendar not in calendars:
            continue
        if not AvailabilityTarget.objects.filter(service=service).exists():
            services.do_set_availability_target(
                service,
                actor=manager,
                valid_from=year_ago,
                target_percent=Decimal(percent),
                calendar=calendars[calendar],
                note="Agreed with the business in the annual service review.",
            )
            added["availability targets"] += 1
    # Mail's target was raised four months ago: reports before then use the old one.
    mail = by_slug.get("email")
    if mail is not None and "24x7" in calendars:
        raised_on = (now - dt.timedelta(days=120)).date().replace(day=1)
        services.do_set_availability_target(
            mail,
            actor=manager,
            valid_from=raised_on,
            target_percent=Decimal("99.95"),
            calendar=calendars["24x7"],
            note="Raised after the mail platform moved to the new cluster.",
        )
        added["availability targets"] += 1
    measured = [by_slug[slug] for slug, _, _ in TARGETS if slug in by_slug]
    start = dt.datetime.combine(year_ago, dt.time(), tzinfo=dt.UTC)
    days = (now - start).days
    for _ in range(70):
        service = rng.choice(measured)
        day = start + dt.timedelta(days=rng.randrange(max(days - 2, 1)))
        kind = rng.choices(
            (OutageKind.UNPLANNED, OutageKind.PLANNED, OutageKind.DEGRADED), (6, 2, 3)
        )[0]
        if kind == OutageKind.PLANNED:
            # Sunday 02:00 UTC: inside the mail and ERP windows, outside the others'.
            day -= dt.timedelta(days=(day.weekday() - 6) % 7)
            begins = day.replace(hour=2, minute=0)
            minutes = rng.choice((60, 90, 120, 180))
        else:
            begins = day.replace(hour=rng.randrange(0, 24), minute=rng.choice((0, 15, 30, 45)))
            minutes = rng.choice((12, 25, 40, 55, 75, 95, 140, 210))
        if begins + dt.timedelta(minutes=minutes) >= now:
            continue
        _record(rng, service, begins, minutes, kind, manager)
        added["outages"] += 1
    # What the journal proposes (the demo's major incidents, its failed changes): the service
    # level manager confirmed the older ones with the time service came back and dismissed
    # one; the latest wait for them.
    do_propose_outages()
    proposed = list(Outage.objects.filter(status=OutageStatus.PROPOSED).order_by("started_at"))
    for index, outage in enumerate(proposed[:-2]):
        if manager is None or outage.ended_at is None:
            continue
        if index == 1:
            services.do_dismiss_outage(
                outage,
                actor=manager,
                reason="Users kept working on the standby side: the service was not lost.",
                expected_version=None,
            )
        else:
            # Service came back with the workaround, well before the ticket was resolved: the
            # manager confirms the restoration time the monitoring timeline shows.
            restored = outage.started_at + dt.timedelta(minutes=rng.choice((35, 50, 70, 95, 130)))
            services.do_confirm_outage(
                outage,
                actor=manager,
                expected_version=None,
                ended_at=min(outage.ended_at, restored),
            )
    vpn = by_slug.get("vpn")
    if vpn is not None:
        services.do_monitoring_signal(
            actor=None,
            source="zabbix",
            key="vpn-gw-2-down",
            signal="open",
            at=now - dt.timedelta(minutes=35),
            service=vpn,
            title="VPN gateway 2 not answering",
        )
    added["outages"] += Outage.objects.exclude(origin=OutageOrigin.MANUAL).count()
    return added
