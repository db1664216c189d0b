"""The demo's service level agreements: two customers (Finance, Sales) with their SLAs, the
teams' operational level agreements, three suppliers with their underpinning contracts — a
year of them, the Finance SLA raised four months ago (reports before then use its first
version), and one chain that does not fit (the telecoms supplier's fix time on office hours
behind a round-the-clock priority 1 target). Written through the service level services by
the service level manager; idempotent (nothing is added when the demo's agreements exist)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.improvement.from_review import (
    do_create_initiative_from_review_action,
    initiative_initial,
)
from kaizen.people.models import Team, User
from kaizen.servicelevels import services
from kaizen.servicelevels.models import Agreement, ServiceReview
from kaizen.servicelevels.reviews import ended_periods
from kaizen.servicelevels.services import reviews as review_services
from kaizen.sla.models import BusinessCalendar, SLADefinition

HOUR = 60
CUSTOMERS = [
    {
        "name": "Finance",
        "kind": "department",
        "description": "Accounting, controlling, payroll and treasury.",
        "contact_name": "Peter Novak",
        "contact_email": "peter.novak@example.com",
        "representatives": ["peter.novak", "emma.jones"],
    },
    {
        "name": "Sales and Customer Service",
        "kind": "department",
        "description": "Field sales, inside sales and the customer service centre.",
        "contact_name": "Lucas Martin",
        "contact_email": "lucas.martin@example.com",
        "representatives": ["lucas.martin", "amara.obi"],
    },
]
SUPPLIERS = [
    {
        "name": "Northwind Hosting",
        "description": "Co-location and managed hosting of the ERP and CRM platforms.",
        "contact_name": "Service management desk",
        "contact_email": "desk@northwind-hosting.example",
        "contact_phone": "+44 20 7946 0100",
        "website": "https://northwind-hosting.example",
    },
    {
        "name": "Contoso Telecom",
        "description": "WAN lines, internet breakout and the telephony trunks.",
        "contact_name": "Enterprise fault line",
        "contact_email": "faults@contoso-telecom.example",
        "contact_phone": "+44 20 7946 0200",
        "website": "https://contoso-telecom.example",
    },
    {
        "name": "Fabrikam Software",
        "description": "Vendor support for the ERP finance and payroll modules.",
        "contact_name": "Premium support",
        "contact_email": "support@fabrikam.example",
        "website": "https://fabrikam.example",
    },
]


def _targets(definitions: dict[str, SLADefinition], *rows: tuple[str, int, str]) -> list:
    """SLA targets from (definition name, priority, attainment %)."""
    return [
        {
            "metric": definitions[name].kind,
            "priority": priority,
            "sla_definition": definitions[name].pk,
            "attainment_percent": share,
        }
        for name, priority, share in rows
        if name in definitions
    ]


def _commitments(*rows: tuple[str, int | None, int, str]) -> list[dict[str, Any]]:
    """OLA or contract targets from (metric, priority, minutes, attainment %)."""
    return [
        {"metric": metric, "priority": priority, "minutes": minutes, "attainment_percent": share}
        for metric, priority, minutes, share in rows
    ]


def load_servicelevels(now: dt.datetime) -> dict[str, int]:
    added = {"customers": 0, "suppliers": 0, "agreements": 0}
    manager = User.objects.filter(username="eva.schmidt").first()
    if manager is None or Agreement.objects.exists():
        return added
    calendars = {calendar.slug: calendar for calendar in BusinessCalendar.objects.all()}
    definitions = {definition.name: definition for definition in SLADefinition.objects.all()}
    by_slug = {service.slug: service for service in Service.objects.all()}
    teams = {team.slug: team for team in Team.objects.all()}
    people = {user.username: user for user in User.objects.all()}
    if not {"24x7", "uk-office-hours"} <= set(calendars):
        return added
    year_ago = (now - dt.timedelta(days=365)).date().replace(day=1)
    recorded = dt.datetime.combine(year_ago, dt.time(9), tzinfo=dt.UTC)

    def chosen(*slugs: str) -> list[Service]:
        return [by_slug[slug] for slug in slugs if slug in by_slug]

    customers = {}
    for spec in CUSTOMERS:
        fields = dict(spec)
        names = fields.pop("representatives")
        customers[spec["name"]] = services.do_create_customer(
            actor=manager,
            representatives=[people[name] for name in names if name in people],
            at=recorded,
            **fields,
        )
        added["customers"] += 1
    suppliers = {}
    for spec in SUPPLIERS:
        suppliers[spec["name"]] = services.do_create_supplier(actor=manager, at=recorded, **spec)
        added["suppliers"] += 1

    def agree(**fields: Any) -> Agreement:
        added["agreements"] += 1
        return services.do_create_agreement(
            actor=manager,
            owner=manager,
            status="active",
            starts_on=year_ago,
            at=recorded,
            **fields,
        )

    finance = agree(
        kind="sla",
        name="Finance business systems",
        description="ERP finance, payroll and mail for the Finance department, in UK office "
        "hours, with priority 1 incidents handled round the clock.",
        customer=customers["Finance"],
        calendar=calendars["uk-office-hours"],
        services=chosen("erp-finance", "payroll", "email"),
        availability_percent="99.5",
        review_cadence=3,
        targets=_targets(
            definitions,
            ("P1 response", 1, "95"),
            ("P1 resolution", 1, "90"),
            ("P2 resolution", 2, "90"),
            ("P3 resolution", 3, "85"),
        ),
        handoff_minutes=15,
    )
    raised_on = (now - dt.timedelta(days=120)).date().replace(day=1)
    services.do_add_terms(
        finance,
        actor=manager,
        valid_from=raised_on,
        note="Availability raised to 99.7 % and priority 2 to 95 % after the spring review.",
        availability_percent="99.7",
        targets=_targets(
            definitions,
            ("P1 response", 1, "95"),
            ("P1 resolution", 1, "90"),
            ("P2 resolution", 2, "95"),
            ("P3 resolution", 3, "85"),
        ),
        at=dt.datetime.combine(raised_on, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=7),
    )
    agree(
        kind="sla",
        name="Sales systems",
        description="CRM, telephony and mail for sales and the customer service centre.",
        customer=customers["Sales and Customer Service"],
        calendar=calendars["uk-office-hours"],
        services=chosen("crm", "telephony", "email"),
        availability_percent="99.5",
        review_cadence=1,
        targets=_targets(
            definitions,
            ("P1 response", 1, "95"),
            ("P1 resolution", 1, "90"),
            ("P2 resolution", 2, "90"),
        ),
        handoff_minutes=10,
    )
    olas = [
        (
            "service-desk",
            "Service Desk first line",
            ("email", "erp-finance", "payroll", "crm", "telephony"),
            "24x7",
            _commitments(("response", 1, 10, "95"), ("response", None, 20, "90")),
        ),
        (
            "erp-support",
            "ERP application support",
            ("erp-finance", "payroll", "crm"),
            "24x7",
            _commitments(("resolution", 1, 75, "90"), ("resolution", 2, 180, "90")),
        ),
        (
            "collaboration-support",
            "Mail and collaboration support",
            ("email",),
            "24x7",
            _commitments(("resolution", 1, 150, "90"), ("resolution", 2, 360, "90")),
        ),
        (
            "network-operations",
            "Network and telephony operations",
            ("telephony", "network", "vpn"),
            "24x7",
            _commitments(("resolution", 1, 90, "90"), ("resolution", None, 420, "85")),
        ),
    ]
    for slug, name, covered, hours, targets in olas:
        if slug not in teams:
            continue
        agree(
            kind="ola",
            name=name,
            provider_team=teams[slug],
            consumer_team=teams.get("service-desk") if slug != "service-desk" else None,
            calendar=calendars[hours],
            services=chosen(*covered),
            targets=targets,
        )
    contracts = [
        (
            "Northwind Hosting",
            "Managed hosting of the ERP and CRM",
            ("erp-finance", "payroll", "crm"),
            "24x7",
            _commitments(("resolution", None, 60, "99")),
            "NW-2025-118",
        ),
        (
            "Contoso Telecom",
            "WAN and telephony lines",
            ("telephony", "network"),
            "uk-office-hours",
            _commitments(("resolution", None, 240, "95")),
            "CT-ENT-4471",
        ),
        (
            "Fabrikam Software",
            "ERP vendor support",
            ("erp-finance", "payroll"),
            "24x7",
            _commitments(
                ("resolution", 1, 60, "95"),
                ("resolution", 2, 180, "95"),
                ("resolution", None, 960, "90"),
            ),
            "FAB-PREM-22",
        ),
    ]
    for supplier, name, covered, hours, targets, reference in contracts:
        agree(
            kind="uc",
            name=name,
            supplier=suppliers[supplier],
            calendar=calendars[hours],
            services=chosen(*covered),
            targets=targets,
            reference=reference,
        )
    return added


ATTENDEES = {
    "Finance": "Peter Novak (Finance), Emma Jones (Finance), Eva Schmidt (service level manager)",
    "Sales and Customer Service": "Lucas Martin (Sales), Amara Obi (Customer Service), "
    "Eva Schmidt (service level manager)",
}
MINUTES = (
    "Went through the service level report: availability and ticket targets, the outages "
    "behind the figures, the changes of the period and the problems still open. {note}"
)
NOTES = [
    "No target missed; the customer asked for earlier notice of planned work.",
    "One priority 1 incident breached its resolution target: the supplier's fix time was the "
    "longest link of the chain.",
    "Availability below target because of a storage failure; the problem record was reviewed.",
    "Targets met; the customer asked to add the month-end payroll run to the agreed hours.",
]
# (customer, review index from the newest held one, title, owner, days after the review, done)
ACTIONS = [
    (
        "Finance",
        0,
        "Agree an on-call rota with Fabrikam for the payroll run",
        "eva.schmidt",
        30,
        False,
    ),
    ("Finance", 1, "Send planned work notices five working days ahead", "olu.adeyemi", 14, True),
    (
        "Sales and Customer Service",
        0,
        "Review the telecoms contract's fix time: the chain does not fit the priority 1 target",
        "eva.schmidt",
        45,
        False,
    ),
    (
        "Sales and Customer Service",
        2,
        "Report CRM availability weekly during the migration",
        "eva.schmidt",
        21,
        True,
    ),
]


def load_service_reviews(now: dt.datetime) -> dict[str, int]:
    """A year of service reviews replayed through the review services: each period's review
    scheduled when the period ended, held (one a week late) with attendees and minutes, the
    latest period's review still to come; actions agreed, one of them taken into the
    improvement register. Idempotent (nothing is added when reviews exist)."""
    added = {"service reviews": 0, "review actions": 0}
    manager = User.objects.filter(username="eva.schmidt").first()
    if manager is None or ServiceReview.objects.exists():
        return added
    people = {user.username: user for user in User.objects.all()}
    today = timezone.localdate(now)
    held: dict[str, list[ServiceReview]] = {}
    for agreement in Agreement.objects.filter(kind="sla", review_cadence__isnull=False):
        for index, period in enumerate(ended_periods(agreement, today)):
            review = review_services.do_schedule_review(
                agreement,
                actor=None,
                period_start=period.start,
                period_end=period.end,
                due_on=period.due_on,
                at=_morning(period.end + dt.timedelta(days=1)),
            )
            added["service reviews"] += 1
            # One review held a week late; the latest still to come (due in a few days).
            held_on = period.due_on - dt.timedelta(days=2)
            if index == 4:
                held_on = period.due_on + dt.timedelta(days=7)
            if held_on >= today:
                continue
            review = review_services.do_hold_review(
                review,
                actor=manager,
                expected_version=None,
                held_on=held_on,
                attendees=ATTENDEES.get(str(agreement.customer), "Eva Schmidt"),
                minutes=MINUTES.format(note=NOTES[index % len(NOTES)]),
                at=_morning(held_on, hour=16),
            )
            held.setdefault(str(agreement.customer), []).append(review)
    taken = False
    for customer, back, title, owner, days, done in ACTIONS:
        reviews = held.get(customer, [])
        if len(reviews) <= back:
            continue
        review = reviews[-1 - back]
        action = review_services.do_add_review_action(
            review,
            actor=manager,
            title=title,
            owner=people.get(owner),
            due_on=review.held_on + dt.timedelta(days=days),
            at=_morning(review.held_on, hour=17),
        )
        added["review actions"] += 1
        if done:
            review_services.do_update_review_action(
                action,
                actor=manager,
                expected_version=None,
                fields={"status": "done"},
                at=_morning(min(review.held_on + dt.timedelta(days=days - 3), today)),
            )
        elif not taken and customer == "Sales and Customer Service":
            # The telecoms contract's review goes into the improvement register.
            fields = initiative_initial(action)
            fields["owner"] = manager
            do_create_initiative_from_review_action(action, actor=manager, **fields)
            taken = True
    return added


def _morning(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
