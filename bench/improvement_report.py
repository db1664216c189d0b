"""The initiative report of step 6, as a PDF and as a web page, over three years of incidents.

    .venv/bin/python bench/improvement_report.py [--per-day 60] [--runs 5]

Seeds three years of daily incident facts straight into a fresh analytics store (DuckDB, one
SQL statement: bench/kpi_scorecard.py's generator, resolution times cut by 40 % and more
incidents within SLA from the middle of the range on, so the analysis has a change to find),
syncs the store's journal cursor, then walks an initiative with two KPIs (median resolution
time, % resolved within SLA) through steps 1-5 with the services: each KPI analysed by week
over the three years (156 periods) with a change date, its baseline recorded. Then times,
warm (best and median of `--runs` runs after one warm-up):

- `pdf_s`: the PDF as the report_pdf view makes it: the report read from the database, its
  eight charts drawn (matplotlib), the HTML rendered and laid out by WeasyPrint;
- `html_s`: the report page through the Django test client (signed in, full middleware).

Prints one JSON object {"benchmark", "pdf_s", "html_s", "pdf_bytes", "pages", ...}.
"""

import argparse
import datetime as dt
import io
import json
import os
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from _setup import setup_django
from kpi_scorecard import DAYS, START, seed_sql

START_DAY = dt.date.fromisoformat(START)
CHANGE_ON = START_DAY + dt.timedelta(days=DAYS // 2 - (DAYS // 2) % 7)  # a Monday mid-range
KPIS = ("incident.resolution_hours_median", "incident.sla_met_pct")
TARGET_S = 5.0


def seed(per_day: int, seed_value: int) -> dict[str, Any]:
    """The facts, with an improvement from CHANGE_ON on."""
    from kaizen.analytics.store import connect

    started = time.perf_counter()
    with connect() as store:
        store.execute(seed_sql(per_day * DAYS, seed_value))
        store.execute(
            """
            UPDATE incident_facts
            SET resolution_hours = resolution_hours * 0.6,
                resolution_business_hours = resolution_business_hours * 0.6,
                resolved_at = opened_at + to_microseconds(
                    CAST(resolution_hours * 0.6 * 3600e6 AS BIGINT)),
                sla_met = CASE WHEN sla_met IS NULL THEN NULL
                    ELSE sla_met OR hash(incident_id, 99) % 2 = 0 END
            WHERE opened_at >= ? AND resolved_at IS NOT NULL
            """,
            [dt.datetime.combine(CHANGE_ON, dt.time())],
        )
        (rows,) = store.execute("SELECT count(*) FROM incident_facts").fetchone()
    return {"facts": rows, "seed_s": round(time.perf_counter() - started, 2)}


def initiative_with_two_analysed_kpis(per_day: int, seed_value: int) -> tuple[Any, Any, dict]:
    """An initiative at step 6, walked through the services (the tests' own factories), on
    the facts seeded once the store is synced (a first sync rebuilds the store from the
    journal, which has no incidents: it would empty a store seeded before it)."""
    from kaizen.analytics.sync import sync
    from kaizen.improvement import services
    from kaizen.improvement.models import Step
    from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative, walk_to_step
    from kaizen.people import services as people_services
    from kaizen.people.models import Process, Role
    from kaizen.testing import make_service, make_user

    owner = make_user("olga", first_name="Olga", last_name="Owner")
    people_services.do_grant_process_role(owner, Process.INCIDENT, Role.OWNER, actor=None)
    goal = make_goal("Resolve incidents faster", actor=owner)
    initiative = make_initiative(
        owner=owner,
        goals=[goal],
        services=[make_service("Corporate network")],
        justification="Every hour an incident stays open costs the business.",
        expected_benefit="Median resolution time within target, more incidents within SLA.",
    )
    for key in KPIS:
        add_kpi(initiative, key, actor=owner)
    sync()  # the journal cursor the analyses record as their provenance
    seeded = seed(per_day, seed_value)
    end = START_DAY + dt.timedelta(days=DAYS - 1)
    today = end + dt.timedelta(days=7)
    walk_to_step(initiative, Step.PROCESS, actor=owner, today=today)
    for ikpi in initiative.kpis.all():
        services.do_update_initiative_kpi(
            ikpi,
            actor=owner,
            analysis_starts_on=START_DAY,
            analysis_ends_on=end,
            change_on=CHANGE_ON,
        )
    started = time.perf_counter()
    walk_to_step(initiative, Step.PRESENT, actor=owner, today=today)
    seeded["analysis_s"] = round(time.perf_counter() - started, 2)
    return initiative, owner, seeded


def timed(run: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Best and median wall seconds of `runs` calls after one warm-up, and the last answer."""
    answer = run()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = run()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds), answer


def page_count(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # a test dependency: count the page objects instead
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-day", type=int, default=60, help="incidents a day")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    setup_django(None)

    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # the fontTools subsetting note
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    from django.test import Client

    from kaizen.analytics.store import store_path
    from kaizen.improvement.models import Analysis, Initiative
    from kaizen.improvement.report import build_report
    from kaizen.improvement.report_views import render_pdf

    result: dict[str, Any] = {"benchmark": "improvement_report"}
    try:
        initiative, owner, seeded = initiative_with_two_analysed_kpis(args.per_day, args.seed)
        result.update(seeded)
        analyses = Analysis.objects.filter(initiative_kpi__initiative=initiative)
        points = [len(analysis.result["series"]) for analysis in analyses]

        def pdf() -> bytes:
            loaded = Initiative.objects.select_related("owner").get(pk=initiative.pk)
            return render_pdf(build_report(loaded))

        client = Client()
        client.force_login(owner)
        address = f"/improvement/{initiative.pk}/report/"

        def page() -> bytes:
            response = client.get(address)
            assert response.status_code == 200, response.status_code
            return response.content

        pdf_best, pdf_median, document = timed(pdf, args.runs)
        html_best, html_median, markup = timed(page, args.runs)
        charts_best, _, _ = timed(lambda: build_report(initiative.pk), args.runs)
        without_best, _, _ = timed(lambda: build_report(initiative.pk, charts=False), args.runs)
        result.update(
            {
                "pdf_s": round(pdf_best, 3),
                "pdf_median_s": round(pdf_median, 3),
                "html_s": round(html_best, 3),
                "html_median_s": round(html_median, 3),
                "pdf_bytes": len(document),
                "pages": page_count(document),
                "html_bytes": len(markup),
                "kpis": len(points),
                "periods_per_kpi": points,
                "report_with_charts_s": round(charts_best, 3),
                "report_without_charts_s": round(without_best, 3),
                "synced_event_id": analyses.first().synced_event_id,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "targets_met": {"pdf_s <= 5": pdf_best <= TARGET_S},
            }
        )
    finally:
        store_path().unlink(missing_ok=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
