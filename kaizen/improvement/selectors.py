"""Reads of the improvement register: KPI definitions as an initiative uses them, the ranges
its figures cover, the latest step outputs, and the collection status of step 3.

`collection_status()` answers "is the data for this KPI arriving?" (ITIL step 3, gather the
data) from three places: the source itself (the latest fact in the analytics store, or the
latest external data point), the stored measurements (when the KPI was last measured) and a
compute over the last periods of the KPI (which periods have nothing in them). The register's
own KPIs (source `improvement`) are counted live from its rows, so they have no feed to go
stale: they are "ok" as soon as the register has a row they count.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from kaizen.core.times import local_text
from kaizen.improvement.models import (
    PARENT_LEVEL,
    Analysis,
    Baseline,
    CollectionSchedule,
    DataAssessment,
    Gap,
    GapStatus,
    Initiative,
    InitiativeKPI,
)
from kaizen.kpis.engine import EngineError
from kaizen.kpis.models import (
    ExternalDataPoint,
    Measurement,
    period_after,
    period_floor,
    period_step_back,
)
from kaizen.kpis.spec import (
    DATABASE_SOURCES,
    KPIDefinition,
    Measure,
    Source,
    Thresholds,
)

# How far back an initiative looks when no analysis range is set: the last year.
DEFAULT_LOOKBACK_DAYS = 365
# Step 3 looks at this many of the KPI's last periods for holes.
RECENT_PERIODS = 12

STATUS_OK = "ok"
STATUS_STALE = "stale"
STATUS_NO_DATA = "no data"
STATUS_NOT_MEASURABLE = "not measurable"

SOURCE_NOUNS = {
    Source.INCIDENTS: ("incident", "incidents"),
    Source.INCIDENT_EVENTS: ("incident event", "incident events"),
    Source.EXTERNAL: ("data point", "data points"),
    Source.IMPROVEMENT: ("register row", "register rows"),
}
SOURCE_ORIGINS = {
    Source.INCIDENTS: "Kaizen's incident records, synced from the event journal into the "
    "analytics store (incident facts)",
    Source.INCIDENT_EVENTS: "the incident history in Kaizen's event journal, synced into the "
    "analytics store (incident event facts)",
    Source.EXTERNAL: "external data points pushed through the API or uploaded as CSV",
    Source.IMPROVEMENT: "the improvement register's own records (initiatives, corrective "
    "actions, evaluations) in Kaizen's database, counted as they are",
}
PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}


# -- definitions ------------------------------------------------------------------------------


def definition_of(key: str) -> KPIDefinition | None:
    """A KPI of the library or a custom one by key; None when there is no such KPI."""
    from kaizen.kpis import library  # through the module: tests swap the library

    try:
        return library.get_kpi(key)
    except (KeyError, LookupError):
        return None


def definitions_of(keys: Iterable[str]) -> dict[str, KPIDefinition | None]:
    """`definition_of` for many keys at once (a page's KPIs), in at most one query."""
    from kaizen.kpis import library  # through the module: tests swap the library

    wanted = set(keys)
    found = library.kpis_by_key(wanted)
    return {key: found.get(key) for key in wanted}


def _as_measured(ikpi: InitiativeKPI, definition: KPIDefinition | None) -> KPIDefinition | None:
    if definition is None:
        return None
    return replace(definition, thresholds=Thresholds(target=ikpi.target, warning=ikpi.warning))


def initiative_definition(ikpi: InitiativeKPI) -> KPIDefinition | None:
    """The KPI as the initiative measures it: the library's definition with the initiative's
    own target and warning threshold."""
    return _as_measured(ikpi, definition_of(ikpi.kpi_key))


def initiative_definitions(
    ikpis: Iterable[InitiativeKPI],
) -> dict[int, KPIDefinition | None]:
    """`initiative_definition` of many KPIs, by id, reading the custom KPIs once."""
    listed = list(ikpis)
    definitions = definitions_of(ikpi.kpi_key for ikpi in listed)
    return {ikpi.pk: _as_measured(ikpi, definitions[ikpi.kpi_key]) for ikpi in listed}


def source_of(definition: KPIDefinition | None) -> str | None:
    """The name of the KPI's registered source ("incident_facts", "external"...): a plain
    name, as a process's fact family adds sources the Source enum does not list."""
    if definition is None or definition.measure is None:
        return None
    return definition.measure.source


def rows_noun(definition: KPIDefinition | None, count: int = 2) -> str:
    """What one row of the KPI's source is called: "incidents", "data points"..."""
    source = source_of(definition)
    singular, plural = SOURCE_NOUNS.get(source, ("row", "rows")) if source else ("row", "rows")
    return singular if count == 1 else plural


def suggested_source(definition: KPIDefinition | None) -> str:
    """What step 3's source description would say for the KPI, for the form to start from."""
    source = source_of(definition)
    return SOURCE_ORIGINS.get(source, "") if source else ""


def period_timestamp_column(measure: Measure) -> str | None:
    """The fact timestamp that says how fresh a KPI's data is: the period column, or for a
    point-in-time measure (the backlog) its interval start (the latest arrival)."""
    return measure.period_column or measure.interval_start


# -- ranges -----------------------------------------------------------------------------------


def default_range(ikpi: InitiativeKPI, today: dt.date) -> tuple[dt.date, dt.date]:
    """The range a KPI's assessment and analysis cover, as (start, end exclusive), in whole
    periods of the KPI's period kind: the initiative's analysis range when set (its end day
    included), else the last year of complete periods up to today (the current period is
    left out: a part-period would read as a drop in counts and as a small sample)."""
    kind = ikpi.period_kind
    start = ikpi.analysis_starts_on or today - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)
    start = period_floor(start, kind)
    if ikpi.analysis_ends_on:
        end = ikpi.analysis_ends_on + dt.timedelta(days=1)
        if period_floor(end, kind) != end:
            end = period_after(end, kind)
    else:
        end = period_floor(today, kind)
    if end <= start:
        end = period_after(start, kind)
    return start, end


def period_end(start: dt.date, kind: str) -> dt.date:
    """The first day after the period that starts on `start`."""
    return period_after(start, kind)


# -- latest outputs ---------------------------------------------------------------------------


def latest_assessment(initiative: Initiative) -> DataAssessment | None:
    return initiative.assessments.order_by("-computed_at", "-pk").first()


def latest_analysis(ikpi: InitiativeKPI, purpose: str = "analysis") -> Analysis | None:
    return ikpi.analyses.filter(purpose=purpose).order_by("-computed_at", "-pk").first()


def latest_analyses(
    ikpis: Iterable[InitiativeKPI], purpose: str = "analysis"
) -> dict[int, Analysis]:
    """`latest_analysis` of many KPIs (by KPI id; a KPI never analysed is left out), with
    who computed each, in one query."""
    newest = (
        Analysis.objects.filter(initiative_kpi=OuterRef("initiative_kpi"), purpose=purpose)
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    found = Analysis.objects.filter(
        initiative_kpi__in=[ikpi.pk for ikpi in ikpis], purpose=purpose, pk=Subquery(newest)
    ).select_related("computed_by")
    return {analysis.initiative_kpi_id: analysis for analysis in found}


def current_baseline(ikpi: InitiativeKPI) -> Baseline | None:
    """The KPI's reference level now: its highest baseline version."""
    return ikpi.baselines.order_by("-version").first()


def open_gaps(initiative: Initiative) -> QuerySet[Gap]:
    """The gaps the data still shows that nobody has closed or accepted."""
    return initiative.gaps.filter(still_present=True, status=GapStatus.OPEN)


def evaluation_window_over(initiative: Initiative, today: dt.date) -> bool:
    """Whether the initiative's evaluation window has ended by `today` (its last day has
    passed): the KPIs may be measured again. False while there is no window."""
    ends_on = initiative.evaluation_ends_on
    return ends_on is not None and ends_on < today


def child_level(level: str) -> str | None:
    """The level of a goal's sub-goals (none under an operational goal)."""
    return next((child for child, parent in PARENT_LEVEL.items() if parent == level), None)


# -- step 3: collection status -----------------------------------------------------------------


def _two_periods(ikpi: InitiativeKPI) -> tuple[dt.timedelta, str]:
    """How old the latest data may be before it is stale: two periods of the collection
    schedule (for manual collection, or none chosen, two of the KPI's analysis periods)."""
    schedule = ikpi.schedule
    if schedule == CollectionSchedule.HOURLY:
        return dt.timedelta(hours=2), "two hours"
    if schedule == CollectionSchedule.DAILY:
        return dt.timedelta(days=2), "two days"
    if schedule == CollectionSchedule.WEEKLY:
        return dt.timedelta(days=14), "two weeks"
    if schedule == CollectionSchedule.MONTHLY:
        return dt.timedelta(days=62), "two months"
    days = PERIOD_DAYS.get(ikpi.period_kind, 7)
    return dt.timedelta(days=2 * days), f"two {ikpi.period_kind}s"


def _age_text(age: dt.timedelta) -> str:
    if age < dt.timedelta(hours=1):
        return "less than an hour ago"
    if age < dt.timedelta(days=2):
        hours = int(age.total_seconds() // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"{age.days} days ago"


def _when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return "never"
    return local_text(moment)


def _aware(moment: Any) -> dt.datetime | None:
    """A fact timestamp (naive, in the reporting time zone) or a date as an aware instant."""
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if isinstance(moment, dt.date):
        return timezone.make_aware(dt.datetime.combine(moment, dt.time()))
    return None


def _store_latest(connection: Any, measure: Measure) -> dt.datetime | None:
    """The latest timestamp of the KPI's period column in its source: how fresh the feed is.
    Over all rows of the source, not only those the KPI's filters keep: a P1-only KPI with no
    P1 this week is not a broken feed (its empty periods say so separately)."""
    from kaizen.kpis import engine

    column = period_timestamp_column(measure)
    if not column:
        return None
    sql = (
        f"SELECT max({engine.quoted(engine.ROW_ALIAS, column)})"
        f' FROM "{measure.source}" AS {engine.ROW_ALIAS}'
    )
    (latest,) = connection.execute(sql).fetchone()
    return latest


def _recent_periods(
    definition: KPIDefinition, kind: str, today: dt.date, count: int, connection: Any
) -> tuple[list[str], int, bool]:
    """The complete periods among the last `count` with no data (ISO starts), how many were
    looked at, and whether the KPI has any data at all (all time)."""
    from kaizen.kpis import engine

    current = period_floor(today, kind)
    start = current
    for _ in range(count):
        start = period_step_back(start, kind)
    rows = engine.compute(
        definition, period=kind, start=start, end=current, connection=connection
    ).rows
    missing = [str(row["period"]) for row in rows if not row["n"]]
    if len(missing) < len(rows):
        return missing, len(rows), True
    everything = engine.compute(definition, period="all", connection=connection).rows
    return missing, len(rows), any(row["n"] for row in everything)


def collection_statuses(
    ikpis: Sequence[InitiativeKPI], *, today: dt.date | None = None, detail: bool = True
) -> dict[int, dict[str, Any]]:
    """`collection_status` of many KPIs: one query for the latest measurements, one for the
    latest external points, one per register KPI for its latest row, one analytics-store
    connection for the rest. With `detail` False
    (the gates of a list page) the holes in the recent periods are not looked for, and an
    external KPI's status comes from its points alone."""
    from kaizen.kpis import engine

    today = today or timezone.localdate()
    now = timezone.now()
    if today != timezone.localdate():  # a day asked for: judge freshness at its end
        now = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    definitions = initiative_definitions(ikpis)
    keys = sorted({ikpi.kpi_key for ikpi in ikpis})
    measured = dict(
        Measurement.objects.filter(kpi_key__in=keys, dimension="")
        .values("kpi_key")
        .annotate(latest=Max("computed_at"))
        .values_list("kpi_key", "latest")
    )
    external_keys = [
        ikpi.kpi_key for ikpi in ikpis if source_of(definitions[ikpi.pk]) == Source.EXTERNAL
    ]
    points: dict[str, dict[str, Any]] = {}
    if external_keys:
        points = {
            row["kpi_key"]: row
            for row in ExternalDataPoint.objects.filter(kpi_key__in=external_keys)
            .values("kpi_key")
            .annotate(
                occurred=Max("occurred_at"), period=Max("period_start"), created=Max("created_at")
            )
        }
    register_latest: dict[str, dt.datetime | None] = {}
    for ikpi in ikpis:
        definition = definitions[ikpi.pk]
        if source_of(definition) == Source.IMPROVEMENT and ikpi.kpi_key not in register_latest:
            register_latest[ikpi.kpi_key] = _register_latest(definition)
    statuses: dict[int, dict[str, Any]] = {}
    needs_store = any(
        source_of(definition) not in (None, *DATABASE_SOURCES)
        for definition in definitions.values()
    )
    with engine.reading() if needs_store else nullcontext() as connection:
        for ikpi in ikpis:
            statuses[ikpi.pk] = _status(
                ikpi,
                definitions[ikpi.pk],
                today=today,
                now=now,
                measured_at=measured.get(ikpi.kpi_key),
                points=points.get(ikpi.kpi_key),
                register_latest=register_latest.get(ikpi.kpi_key),
                connection=connection,
                detail=detail,
            )
    return statuses


def collection_status(ikpi: InitiativeKPI, *, today: dt.date | None = None) -> dict[str, Any]:
    """Step 3 for one KPI: {status: "ok" | "stale" | "no data" | "not measurable", source,
    schedule, last_data_at, last_measured_at, periods_missing, explanation}. Stale: the latest
    data is older than two periods of the collection schedule."""
    return collection_statuses([ikpi], today=today)[ikpi.pk]


def _register_latest(definition: KPIDefinition) -> dt.datetime | None:
    from kaizen.improvement.kpi_rows import latest_row_at

    try:
        return latest_row_at(definition)
    except EngineError:  # not one of the register's KPIs: nothing it counts
        return None


def _register_status(
    status: dict[str, Any],
    definition: KPIDefinition,
    latest: dt.datetime | None,
    measured_at: dt.datetime | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """Step 3 for a KPI of the improvement register: its rows are Kaizen's own and counted as
    they are, so the data is there ("ok") once the register has a row the KPI counts, however
    old (no action done for months is the register's truth, not a broken feed)."""
    from kaizen.improvement.kpi_rows import LATEST_ROWS

    latest_row, no_rows = LATEST_ROWS.get(definition.key, ("register row", "no register row"))
    parts = [f"Source: {status['source'] or 'not described'}."]
    if latest is None:
        status["status"] = STATUS_NO_DATA
        parts.append(f"There is no data for {definition.name}: the register has {no_rows} yet.")
        status["explanation"] = " ".join(parts)
        return status
    status["status"] = STATUS_OK
    status["last_data_at"] = latest.isoformat()
    age = max(now - latest, dt.timedelta())
    when = f"{_when(latest)}, {_age_text(age)}" if latest <= now else _when(latest)
    parts.append(f"The latest {latest_row} is from {when}.")
    parts.append(
        "The register is read live each time the KPI is computed: there is no feed to go stale."
    )
    parts.append(f"Last measured: {_when(measured_at)}.")
    status["explanation"] = " ".join(parts)
    return status


def _status(
    ikpi: InitiativeKPI,
    definition: KPIDefinition | None,
    *,
    today: dt.date,
    now: dt.datetime,
    measured_at: dt.datetime | None,
    points: dict[str, Any] | None,
    connection: Any,
    detail: bool,
    register_latest: dt.datetime | None = None,
) -> dict[str, Any]:
    schedule_label = dict(CollectionSchedule.choices).get(ikpi.schedule, "")
    status: dict[str, Any] = {
        "kpi_key": ikpi.kpi_key,
        "status": STATUS_NOT_MEASURABLE,
        "source": ikpi.source_description or suggested_source(definition),
        "source_described": bool(ikpi.source_description),
        "origin": suggested_source(definition),
        "schedule": ikpi.schedule,
        "schedule_label": schedule_label,
        "last_data_at": None,
        "last_point_recorded_at": None,
        "last_measured_at": measured_at.isoformat() if measured_at else None,
        "period_kind": ikpi.period_kind,
        "periods_checked": 0,
        "periods_missing": [],
        "explanation": "",
    }
    if definition is None:
        status["explanation"] = f"{ikpi.kpi_key} is not a KPI of the library any more."
        return status
    if definition.measure is None:
        status["explanation"] = (
            f"{definition.name} cannot be measured: {definition.not_measurable_reason}"
        )
        return status
    measure = definition.measure
    source = measure.source
    if source == Source.IMPROVEMENT:
        return _register_status(status, definition, register_latest, measured_at, now)
    has_data = True
    try:
        if source == Source.EXTERNAL:
            latest = None
            if points:
                latest = _aware(points["occurred"]) or _aware(points["period"])
                if points["occurred"] and points["period"]:
                    latest = max(_aware(points["occurred"]), _aware(points["period"]))
                created = points["created"]
                status["last_point_recorded_at"] = created.isoformat() if created else None
            has_data = bool(points)
        else:
            latest = _aware(_store_latest(connection, measure))
            has_data = latest is not None
        if detail and has_data:
            missing, checked, has_data = _recent_periods(
                definition, ikpi.period_kind, today, RECENT_PERIODS, connection
            )
            status["periods_missing"], status["periods_checked"] = missing, checked
    except EngineError as error:
        status["explanation"] = f"{definition.name} cannot be measured: {error}"
        return status
    status["last_data_at"] = latest.isoformat() if latest else None
    parts = [f"Source: {status['source'] or 'not described'}."]
    if ikpi.schedule:
        parts.append(f"Collected: {schedule_label.lower()}.")
    else:
        parts.append("No collection schedule chosen yet.")
    if not has_data or latest is None:
        status["status"] = STATUS_NO_DATA
        where = "data points recorded" if source == Source.EXTERNAL else "rows in the source"
        parts.append(f"There is no data for {definition.name}: no {where} it measures.")
        status["explanation"] = " ".join(parts)
        return status
    allowed, allowed_text = _two_periods(ikpi)
    age = max(now - latest, dt.timedelta())
    column = "" if source == Source.EXTERNAL else f" ({period_timestamp_column(measure)})"
    when = f"{_when(latest)}, {_age_text(age)}" if latest <= now else _when(latest)
    parts.append(f"The latest {rows_noun(definition, 1)}{column} is from {when}.")
    if age > allowed:
        status["status"] = STATUS_STALE
        parts.append(f"That is more than {allowed_text}: the data is stale.")
    else:
        status["status"] = STATUS_OK
    parts.append(f"Last measured: {_when(measured_at)}.")
    missing = status["periods_missing"]
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        parts.append(
            f"{len(missing)} of the last {status['periods_checked']} {ikpi.period_kind}s have no "
            f"data: {shown}."
        )
    elif detail:
        parts.append(
            f"Every one of the last {status['periods_checked']} {ikpi.period_kind}s has data."
        )
    status["explanation"] = " ".join(parts)
    return status
