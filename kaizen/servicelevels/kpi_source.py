"""The KPI `service_level.services_meeting_targets_pct` as a database source of the KPI engine
(kaizen.kpis.sources), measured by the same figures as the service level report
(kaizen/servicelevels/figures.py), so a KPI figure and a report never differ.

Rows in the engine's shape: `{"period": "2026-03-01" (the period's first day) or "all",
"service": name (when broken down by service), "value": 100 x services meeting every target /
services covered, "n": services covered}`, a complete series of periods from the first
agreement's start to today (or the range asked for). The services counted are those covered
by a service level agreement in force in the period (not a draft; each version covers its
services from its day on, until the agreement ends). A service meets its targets when none of
its agreements' targets was missed: the availability target on the agreement's hours, and
each ticket target on the service's own tickets; a period without tickets or without an
availability target misses nothing. The other breakdowns (team, priority...) give no rows.

`register_kpi_source()` runs from the app's AppConfig.ready(): the KPI app sits below this
app and names the source only by its name (kaizen.kpis.spec.Source.SERVICE_LEVELS).
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kaizen.kpis.availability_rows import series_periods
from kaizen.kpis.models import ALL_TIME_START, MeasurementSource
from kaizen.kpis.sources import DatabaseSource, register_source
from kaizen.kpis.spec import KPIDefinition, Source
from kaizen.servicelevels.figures import (
    Period,
    ServiceLevelBook,
    day_start,
    services_meeting_targets,
)
from kaizen.servicelevels.models import Agreement, AgreementKind, AgreementStatus

SERVICES_MEETING_TARGETS_PCT = "service_level.services_meeting_targets_pct"


def services_meeting_rows(
    definition: KPIDefinition,
    *,
    period: str,
    by: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    if any(name != "service" for name in by):
        return []
    agreements = list(
        Agreement.objects.filter(kind=AgreementKind.SLA).exclude(status=AgreementStatus.DRAFT)
    )
    if not agreements:
        return []
    first = min(agreement.starts_on for agreement in agreements)
    periods = series_periods(period, start, end, max(first, ALL_TIME_START))
    if not periods:
        return []
    book = ServiceLevelBook(agreements, day_start(periods[0][1]), day_start(periods[-1][2]))
    judged = [
        (label, services_meeting_targets(book, agreements, Period(low, high - dt.timedelta(1))))
        for label, low, high in periods
    ]
    if not by:
        return [
            {
                "period": label,
                "value": 100 * sum(met.values()) / len(met) if met else None,
                "n": len(met),
            }
            for label, met in judged
        ]
    names = sorted({book.services[pk].name for _, met in judged for pk in met})
    by_name = {service.name: pk for pk, service in book.services.items()}
    rows = []
    for label, met in judged:
        for name in names:
            verdict = met.get(by_name[name])
            rows.append(
                {
                    "period": label,
                    "service": name,
                    "value": None if verdict is None else 100.0 * verdict,
                    "n": 0 if verdict is None else 1,
                }
            )
    return rows


SERVICE_LEVELS_SOURCE = DatabaseSource(
    name=Source.SERVICE_LEVELS,
    rows=services_meeting_rows,
    measured_as=MeasurementSource.ENGINE,
    noun="services covered",
)


def register_kpi_source() -> None:
    """Called from ServiceLevelsConfig.ready()."""
    register_source(SERVICE_LEVELS_SOURCE)
