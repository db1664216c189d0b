"""The service level report of one agreement over a year, as a PDF and as a web page.

    .venv/bin/python bench/service_level_report.py [--incidents 30000] [--runs 5]
    .venv/bin/python bench/service_level_report.py --database-url \\
        postgres://postgres@127.0.0.1:5432/kaizen_bench_report

Seeds (seeded generator, bulk inserts: bench/seed.py's incident history) an SLA covering five
services on office hours with an availability target changed mid-year and four ticket targets,
three years of incidents on the services with their response and resolution clocks (met or
breached), 2,000 confirmed outages (unplanned, degraded, planned work), 300 changes and 40
problems on the services. Then times, warm (best and median of `--runs` runs after one
warm-up), the report of the last twelve months with every section (availability per service
with the outages behind it, MTBF/MTRS, each target's attainment, incidents, changes, problems,
the trend over the three previous years):

- `pdf_s`: the PDF as the report_pdf view makes it (figures read, HTML rendered, WeasyPrint);
- `html_s`: the report page through the Django test client (signed in, full middleware).

Target: the PDF in <= 5 s. Prints one JSON object.
"""

import argparse
import datetime as dt
import io
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from _setup import setup_django

END_DAY = dt.date(2026, 11, 1)
TARGET_S = 5.0
SERVICES = ["Mail", "ERP", "Payroll", "CRM", "Telephony"]


def _user(username: str, **fields: Any) -> Any:
    from kaizen.testing import make_user

    return make_user(username, **fields)


def seed(incidents: int, rng: random.Random) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import F
    from seed import seed_incidents, uk_office_calendar

    from kaizen.availability.models import Outage
    from kaizen.changes.models import Change
    from kaizen.incidents.models import Incident
    from kaizen.people.models import Process, Role
    from kaizen.people.services import do_grant_process_role
    from kaizen.problems.models import Problem
    from kaizen.servicelevels.services import (
        do_add_terms,
        do_create_agreement,
        do_create_customer,
    )
    from kaizen.sla.models import SLAClock
    from kaizen.sla.services import do_create_sla_definition
    from kaizen.testing import make_service

    calendar = uk_office_calendar()
    manager = _user("slm", first_name="Sam", last_name="Level")
    do_grant_process_role(manager, Process.SERVICE_LEVEL, Role.MANAGER, actor=None)
    services = [make_service(name, slug=name.lower()) for name in SERVICES]
    definitions = {
        (kind, priority): do_create_sla_definition(
            actor=None,
            name=f"P{priority} {kind}",
            kind=kind,
            calendar=calendar,
            target_minutes=minutes,
            priorities=[priority],
        )
        for kind, priority, minutes in [
            ("response", 1, 15),
            ("resolution", 1, 240),
            ("response", 2, 60),
            ("resolution", 2, 480),
        ]
    }
    customer = do_create_customer(actor=None, name="Finance", kind="department")
    start = END_DAY.replace(year=END_DAY.year - 3)
    agreement = do_create_agreement(
        actor=manager,
        kind="sla",
        name="Finance business systems",
        owner=manager,
        customer=customer,
        starts_on=start,
        calendar=calendar,
        services=services,
        status="active",
        availability_percent="99.5",
        targets=[
            {
                "metric": kind,
                "priority": priority,
                "sla_definition": definition.pk,
                "attainment_percent": "90",
            }
            for (kind, priority), definition in definitions.items()
        ],
        at=dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC),
    )
    mid_year = END_DAY - dt.timedelta(days=180)
    do_add_terms(
        agreement,
        actor=manager,
        valid_from=mid_year,
        note="Raised to 99.7 %",
        availability_percent="99.7",
        at=dt.datetime.combine(mid_year, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=3),
    )
    written = seed_incidents(incidents, seed=rng.randrange(10**6), open_share=0.02)
    ids = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for index, service in enumerate(services):
            Incident.objects.annotate(slot=F("pk") % len(services)).filter(slot=index).update(
                service=service
            )
    incident_type = ContentType.objects.get_for_model(Incident)
    rows = Incident.objects.filter(priority__in=[1, 2]).values_list(
        "pk", "priority", "opened_at", "first_responded_at", "resolved_at"
    )
    clocks = []
    now = dt.datetime.combine(END_DAY, dt.time(), tzinfo=dt.UTC)
    for pk, priority, opened, responded, resolved in rows:
        for sequence, (kind, stopped) in enumerate(
            (("response", responded), ("resolution", resolved))
        ):
            definition = definitions[(kind, priority)]
            target_us = definition.target_minutes * 60 * 10**6
            breached = rng.random() < 0.12
            elapsed = int(target_us * (rng.uniform(1.05, 3) if breached else rng.uniform(0.1, 1)))
            clocks.append(
                SLAClock(
                    ticket_type=incident_type,
                    ticket_id=pk,
                    sequence=sequence,
                    definition=definition,
                    kind=kind,
                    state=("breached" if breached else "met") if stopped else "running",
                    target_us=target_us,
                    elapsed_us=elapsed,
                    computed_at=now,
                    started_at=opened,
                    stopped_at=stopped,
                    due_at=opened + dt.timedelta(microseconds=target_us),
                    breach_at=(opened + dt.timedelta(microseconds=target_us)) if breached else None,
                    breached=breached,
                )
            )
    SLAClock.objects.bulk_create(clocks, batch_size=5000)
    span = (END_DAY - start).days * 24 * 60
    outages = []
    for number in range(1, 2001):
        kind = rng.choice(["unplanned"] * 5 + ["degraded"] * 3 + ["planned"] * 2)
        began = now - dt.timedelta(minutes=rng.randrange(span))
        outages.append(
            Outage(
                number=f"OUT{number:07d}",
                service=rng.choice(services),
                kind=kind,
                share_affected=rng.choice([20, 40, 60]) if kind == "degraded" else 100,
                started_at=began,
                ended_at=began + dt.timedelta(minutes=rng.randint(5, 600)),
                title=f"Seeded outage {number}",
                status="confirmed",
                origin="manual",
                created_at=began,
                updated_at=began,
            )
        )
    Outage.objects.bulk_create(outages, batch_size=2000)
    changes = []
    for number in range(1, 301):
        began = now - dt.timedelta(minutes=rng.randrange(span))
        changes.append(
            Change(
                number=f"CHG{number:07d}",
                title=f"Seeded change {number}",
                change_type="normal",
                requester=manager,
                owner=manager,
                state="closed",
                closure_code=rng.choice(["successful"] * 9 + ["failed"]),
                opened_at=began - dt.timedelta(days=7),
                planned_start=began,
                planned_end=began + dt.timedelta(hours=2),
                actual_start=began,
                actual_end=began + dt.timedelta(hours=rng.randint(1, 4)),
                closed_at=began + dt.timedelta(days=2),
                updated_at=began + dt.timedelta(days=2),
            )
        )
    created = Change.objects.bulk_create(changes)
    Change.services.through.objects.bulk_create(
        Change.services.through(change_id=change.pk, service_id=rng.choice(services).pk)
        for change in created
    )
    problems = []
    for number in range(1, 41):
        opened = now - dt.timedelta(minutes=rng.randrange(span))
        problems.append(
            Problem(
                number=f"PRB{number:07d}",
                statement=f"Seeded problem {number}",
                state="root_cause_analysis",
                opened_at=opened,
                updated_at=opened,
            )
        )
    created_problems = Problem.objects.bulk_create(problems)
    Problem.services.through.objects.bulk_create(
        Problem.services.through(problem_id=problem.pk, service_id=rng.choice(services).pk)
        for problem in created_problems
    )
    return {
        "agreement": agreement.number,
        "services": len(services),
        "incidents": written["incidents"],
        "incident_ids": len(ids),
        "clocks": len(clocks),
        "outages": len(outages),
        "changes": len(created),
        "problems": len(created_problems),
    }


def timed(function: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    function()  # warm-up: calendar indexes, templates, fonts
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--incidents", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261207)
    arguments = parser.parse_args()
    database = setup_django(arguments.database_url)

    from django.test import Client
    from pypdf import PdfReader

    from kaizen.servicelevels.figures import report_figures
    from kaizen.servicelevels.models import Agreement
    from kaizen.servicelevels.report_views import render_report_pdf

    began = time.perf_counter()
    seeded = seed(arguments.incidents, random.Random(arguments.seed))
    seed_s = time.perf_counter() - began
    agreement = Agreement.objects.get(number=seeded["agreement"])
    first_day, last_day = END_DAY.replace(year=END_DAY.year - 1), END_DAY - dt.timedelta(days=1)

    def pdf() -> bytes:
        return render_report_pdf(report_figures(agreement, first_day, last_day))

    pdf_times, document = timed(pdf, arguments.runs)
    client = Client()
    client.force_login(agreement.owner)
    url = f"/service-levels/agreements/{agreement.number}/report/?from={first_day}&to={last_day}"

    def page() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    html_times, html_bytes = timed(page, arguments.runs)
    print(
        json.dumps(
            {
                "benchmark": "service_level_report",
                "database": database,
                "seeded": seeded,
                "seed_s": round(seed_s, 1),
                "period": f"{first_day} .. {last_day}",
                "pdf_s": round(min(pdf_times), 3),
                "pdf_median_s": round(statistics.median(pdf_times), 3),
                "html_s": round(min(html_times), 3),
                "html_median_s": round(statistics.median(html_times), 3),
                "pdf_bytes": len(document),
                "pages": len(PdfReader(io.BytesIO(document)).pages),
                "html_bytes": html_bytes,
                "target_s": TARGET_S,
                "met": min(pdf_times) <= TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
