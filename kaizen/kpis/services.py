"""Writes of the KPI app, each journaled in its own transaction: custom KPIs, collecting
measurements, and recording external data points."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaizen.analytics.families import breakdown_columns
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.services import apply_changes, record_event
from kaizen.journal.tracking import TrackedRecord
from kaizen.kpis.engine import EngineError
from kaizen.kpis.external import ParsedFile, PointInput, RowError
from kaizen.kpis.models import (
    ALL_TIME_START,
    CustomKPI,
    ExternalDataPoint,
    ExternalUpload,
    Measurement,
    MeasurementRun,
    MeasurementSource,
    PeriodKind,
    RunScope,
    whole_periods,
)
from kaizen.kpis.selectors import all_definitions, find_definition, measure_now, synced_event_id
from kaizen.kpis.sources import database_source
from kaizen.kpis.spec import KPIDefinition, Source

CUSTOM_KPI_FIELDS = (
    "key",
    "name",
    "process",
    "description",
    "unit",
    "direction",
    "target",
    "warning",
    "source",
    "period_column",
    "filters",
    "aggregate",
    "column",
    "percentile",
    "numerator",
    "denominator",
    "owner",
    "active",
)
# What the hourly collection measures: the figures the scorecard and KPI pages show.
DEFAULT_PERIOD_KINDS = (PeriodKind.MONTH.value, PeriodKind.WEEK.value)
DEFAULT_BREAKDOWNS = ("service", "priority", "team", "category")


# -- custom KPIs ------------------------------------------------------------------------------

# How a custom KPI is locked, saved and journaled (kaizen/journal/tracking.py): an update locks
# and re-reads the row, refuses a stale `expected_version`, and writes only what changed.
CUSTOM_KPIS = TrackedRecord(
    model=CustomKPI,
    tracked_fields=CUSTOM_KPI_FIELDS,
    related_fields=("owner",),
    label_field="name",
    noun="KPI",
)


@transaction.atomic
def do_save_custom_kpi(
    kpi: CustomKPI | None, *, actor: Any, expected_version: int | None = None, **fields: Any
) -> CustomKPI:
    """Create (`kpi` None) or change a custom KPI. Its key cannot change afterwards: stored
    measurements and external points are filed under it. A change raises VersionConflict when
    the KPI is no longer at `expected_version`."""
    if kpi is None:
        kpi = CustomKPI()
        apply_changes(kpi, fields, CUSTOM_KPI_FIELDS)
        kpi.full_clean()
        if CustomKPI.objects.filter(key=kpi.key).exists():
            raise ValidationError({"key": f"{kpi.key} is taken"})
        kpi.save()
        CUSTOM_KPIS.record_created(EventType.CUSTOM_KPI_CREATED, kpi, actor=actor)
        return kpi
    locked = CUSTOM_KPIS.lock(kpi, expected_version)
    if "key" in fields and fields["key"] != locked.key:
        raise ValidationError({"key": "a KPI's key cannot change (its measurements use it)"})
    before = CUSTOM_KPIS.snapshot(locked)
    if apply_changes(locked, fields, CUSTOM_KPI_FIELDS):
        locked.full_clean()
    CUSTOM_KPIS.finish(locked, kpi, before, EventType.CUSTOM_KPI_UPDATED, actor=actor)
    return kpi


# -- measurements -----------------------------------------------------------------------------


def _definitions_for(keys: Iterable[str] | None) -> list[KPIDefinition]:
    if keys is None:
        return all_definitions()
    found = []
    for key in keys:
        definition = find_definition(key)
        if definition is None:
            raise ValidationError({"keys": f"no KPI {key!r}"})
        found.append(definition)
    return found


def _check_collection(period_kinds: Sequence[str], breakdowns: Sequence[str]) -> None:
    bad_kinds = [kind for kind in period_kinds if kind not in PeriodKind.values]
    if bad_kinds or not period_kinds:
        raise ValidationError({"period_kinds": f"from {', '.join(PeriodKind.values)}"})
    dimensions = breakdown_columns()
    bad_dimensions = [name for name in breakdowns if name not in dimensions]
    if bad_dimensions:
        raise ValidationError({"breakdowns": f"from {', '.join(dimensions)}"})


def _measurements_from(
    definition: KPIDefinition,
    rows: list[dict[str, Any]],
    *,
    kind: str,
    dimension: str,
    start: dt.date | None,
    run: MeasurementRun,
) -> list[Measurement]:
    # Where a stored measurement's figure came from: the engine over the analytics store, else
    # what the KPI's database source says it is measured as.
    database = database_source(definition.measure.source) if definition.measure else None
    stored_source = database.measured_as if database else MeasurementSource.ENGINE
    # the store's last synced event says nothing about figures read from the Django database
    synced_event_id = None if database else run.synced_event_id
    measurements = []
    for row in rows:
        if dimension and row.get("value") is None and not row.get("n"):
            # A breakdown value's empty periods are not stored: over years of weeks they would
            # be most of the rows. The overall series keeps its empty periods (measured, and
            # found empty), which the pages fold and chart as gaps.
            continue
        period = row["period"]
        if period == "all":
            period_start = start or ALL_TIME_START
        elif isinstance(period, dt.date):
            period_start = period
        else:
            period_start = dt.date.fromisoformat(str(period)[:10])
        raw_value = row.get(dimension) if dimension else None
        measurements.append(
            Measurement(
                kpi_key=definition.key,
                period_kind=kind,
                period_start=period_start,
                dimension=dimension,
                dimension_value="" if raw_value is None else str(raw_value)[:300],
                value=None if row.get("value") is None else float(row["value"]),
                n=int(row.get("n") or 0),
                computed_at=run.started_at,
                source=stored_source,
                run=run,
                synced_event_id=synced_event_id,
                data_point_ids=row.get("point_ids", []),
                upload_ids=row.get("upload_ids", []),
            )
        )
    return measurements


def _replace_measurements(
    measurements: list[Measurement],
    *,
    key: str,
    kind: str,
    dimension: str,
    start: dt.date | None,
    end: dt.date | None,
    run: MeasurementRun,
) -> None:
    """Upsert the new rows, then drop the range's rows this run did not produce (a breakdown
    value that no longer occurs), so a recomputed range is exactly what the engine says."""
    Measurement.objects.bulk_create(
        measurements,
        update_conflicts=True,
        unique_fields=["kpi_key", "period_kind", "period_start", "dimension", "dimension_value"],
        update_fields=[
            "value",
            "n",
            "computed_at",
            "source",
            "run",
            "synced_event_id",
            "data_point_ids",
            "upload_ids",
        ],
    )
    stale = Measurement.objects.filter(kpi_key=key, period_kind=kind, dimension=dimension).exclude(
        run=run
    )
    if kind == PeriodKind.ALL:
        stale = stale.filter(period_start=start or ALL_TIME_START)
    else:
        if start:
            stale = stale.filter(period_start__gte=start)
        if end:
            stale = stale.filter(period_start__lt=end)
    stale.delete()


@dataclass
class Collected:
    definition: KPIDefinition
    kind: str
    dimension: str
    start: dt.date | None
    end: dt.date | None
    rows: list[dict[str, Any]]  # as the engine (or the external points) answered


def _measure(
    definition: KPIDefinition,
    period_kinds: Sequence[str],
    breakdowns: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> list[Collected]:
    collected = []
    for kind in period_kinds:
        kind_start, kind_end = whole_periods(start, end, kind)
        for dimension in ("", *breakdowns):
            by = (dimension,) if dimension else ()
            rows = measure_now(definition, period=kind, by=by, start=kind_start, end=kind_end)
            collected.append(Collected(definition, kind, dimension, kind_start, kind_end, rows))
    return collected


@transaction.atomic
def _store_collected(run: MeasurementRun, collected: Collected) -> int:
    """Replace one KPI's figures of one period kind and breakdown, in a transaction of its
    own; the number stored."""
    measurements = _measurements_from(
        collected.definition,
        collected.rows,
        kind=collected.kind,
        dimension=collected.dimension,
        start=collected.start,
        run=run,
    )
    _replace_measurements(
        measurements,
        key=collected.definition.key,
        kind=collected.kind,
        dimension=collected.dimension,
        start=collected.start,
        end=collected.end,
        run=run,
    )
    return len(measurements)


def do_collect_measurements(
    *,
    actor: Any,
    keys: Iterable[str] | None = None,
    period_kinds: Sequence[str] = DEFAULT_PERIOD_KINDS,
    breakdowns: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    scope: str = RunScope.CHOSEN,
) -> MeasurementRun:
    """Measure KPIs (`keys`, or every active one) for each period kind, overall and by each
    breakdown dimension, between `start` (inclusive) and `end` (exclusive); store the results,
    replacing what was stored for that range. Journaled. `scope` says what the run was for
    (kaizen.kpis.collection: the recent months, the whole history).

    The engine reads the analytics store before any transaction opens, and the writes are
    short transactions, so the database is never held for long (see below)."""
    _check_collection(period_kinds, breakdowns)
    definitions = _definitions_for(keys)
    cursor = synced_event_id()
    run = MeasurementRun(
        started_at=timezone.now(),
        actor=actor,
        keys=[d.key for d in definitions],
        period_kinds=list(period_kinds),
        breakdowns=list(breakdowns),
        range_start=start,
        range_end=end,
        synced_event_id=cursor,
        scope=scope,
        # How far the store was behind the journal: 0 means the figures read every event
        # recorded up to the run (what the pages' provenance says).
        events_behind=None
        if cursor is None
        else JournalEvent.objects.filter(id__gt=cursor).count(),
        not_measurable=[
            {"key": d.key, "reason": d.not_measurable_reason}
            for d in definitions
            if not d.measurable
        ],
    )
    results: list[Collected] = []
    for definition in definitions:
        if not definition.measurable:
            continue
        try:
            results += _measure(definition, period_kinds, breakdowns, start, end)
        except EngineError as error:
            # One KPI the engine refuses (say, a filter value of the wrong type) must not
            # stop the others; the run names it and why.
            run.not_measurable.append({"key": definition.key, "reason": str(error)})
    # Short transactions: the run first, then each KPI x period kind x breakdown on its own,
    # then the ending. On SQLite a transaction holds the one write lock, and a collection
    # written in one transaction kept people's writes waiting past their timeout. Each unit's
    # figures are replaced whole; a run that dies midway is left without `finished_at` and
    # counts for nothing (the next run measures again).
    with transaction.atomic():
        run.save()
    for collected in results:
        run.measurements += _store_collected(run, collected)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(update_fields=["measurements", "finished_at"])
        record_event(
            EventType.MEASUREMENTS_COLLECTED,
            run,
            actor=actor,
            data={
                "kpis": len(run.keys),
                "period_kinds": run.period_kinds,
                "breakdowns": run.breakdowns,
                "start": start,
                "end": end,
                "measurements": run.measurements,
                "synced_event_id": run.synced_event_id,
                "scope": run.scope,
                "not_measurable": [item["key"] for item in run.not_measurable],
            },
        )
    return run


# -- external data points ---------------------------------------------------------------------


def check_external_kpi(key: str) -> KPIDefinition:
    """The KPI external points are for; it must take them (its source is `external`)."""
    definition = find_definition(key)
    if definition is None:
        raise ValidationError({"kpi": f"no KPI {key!r}"})
    if definition.measure is None or definition.measure.source != Source.EXTERNAL:
        raise ValidationError(
            {"kpi": f"{key} is measured from Kaizen's own records and takes no external data"}
        )
    return definition


@dataclass
class RecordedPoints:
    upload: ExternalUpload | None
    created: list[ExternalDataPoint] = field(default_factory=list)
    replayed: list[ExternalDataPoint] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)


def _classify(
    kpi_key: str, points: Sequence[tuple[int, PointInput]]
) -> tuple[list[tuple[int, PointInput]], list[ExternalDataPoint], list[RowError]]:
    """New points; stored points the delivery repeats; and points whose key is already used
    by a different point (the key promises the same point, so that is refused)."""
    keys = {point.idempotency_key for _, point in points}
    stored = {
        point.idempotency_key: point
        for point in ExternalDataPoint.objects.filter(kpi_key=kpi_key, idempotency_key__in=keys)
    }
    new: dict[str, tuple[int, PointInput]] = {}
    replayed: list[ExternalDataPoint] = []
    rejected: list[RowError] = []
    for row, point in points:
        earlier = stored.get(point.idempotency_key)
        repeated = new.get(point.idempotency_key)
        if earlier is not None and point.same_as(earlier):
            replayed.append(earlier)
        elif earlier is not None or (repeated is not None and repeated[1] != point):
            rejected.append(
                RowError(row, "idempotency_key", "already used for a different data point")
            )
        elif repeated is None:
            new[point.idempotency_key] = (row, point)
    return list(new.values()), replayed, rejected


def do_record_external_points(
    kpi_key: str,
    points: Sequence[tuple[int, PointInput]],
    *,
    actor: Any,
    channel: str = "api",
    filename: str = "",
    rejected: Sequence[RowError] = (),
) -> RecordedPoints:
    """Store data points for an external KPI. Each point's idempotency key makes delivering
    it again harmless: the stored point is returned, nothing is added. `points` carry the row
    number they came from (CSV line; 0 for the API), so refusals name it.

    A CSV upload is always recorded (its report lists what was kept, repeated and refused); an
    API delivery only when it adds a point."""
    check_external_kpi(kpi_key)
    for attempt in range(2):
        new, replayed, conflicts = _classify(kpi_key, points)
        try:
            with transaction.atomic():
                return _store_points(
                    kpi_key,
                    new,
                    replayed,
                    [*rejected, *conflicts],
                    actor=actor,
                    channel=channel,
                    filename=filename,
                )
        except IntegrityError:
            # A concurrent delivery stored one of the keys first: classify again, it is now
            # a replay (or a conflict).
            if attempt:
                raise
    raise AssertionError("unreachable")


def _store_points(
    kpi_key: str,
    new: list[tuple[int, PointInput]],
    replayed: list[ExternalDataPoint],
    rejected: list[RowError],
    *,
    actor: Any,
    channel: str,
    filename: str,
) -> RecordedPoints:
    if not new and channel != "csv":
        return RecordedPoints(upload=None, replayed=replayed, rejected=rejected)
    upload = ExternalUpload.objects.create(
        channel=channel,
        kpi_key=kpi_key,
        filename=filename[:255],
        created_by=actor,
        recorded=len(new),
        replayed=len(replayed),
        rejected=[error.as_dict() for error in rejected],
    )
    created = [
        ExternalDataPoint(
            kpi_key=kpi_key,
            occurred_at=point.occurred_at,
            period_kind=point.period_kind,
            period_start=point.period_start,
            dimensions=point.dimensions,
            value=point.value,
            idempotency_key=point.idempotency_key,
            source_label=point.source_label,
            upload=upload,
            created_by=actor,
        )
        for _, point in new
    ]
    for point in created:
        point.full_clean(exclude=["upload", "created_by"], validate_unique=False)
    created = ExternalDataPoint.objects.bulk_create(created)
    if created and created[0].pk is None:  # backends without RETURNING: read the ids back
        created = list(ExternalDataPoint.objects.filter(upload=upload).order_by("pk"))
    record_event(
        EventType.EXTERNAL_POINTS_RECORDED,
        upload,
        actor=actor,
        data={
            "kpi": kpi_key,
            "channel": channel,
            "filename": filename,
            "recorded": len(created),
            "replayed": len(replayed),
            "rejected": len(rejected),
        },
    )
    return RecordedPoints(upload=upload, created=created, replayed=replayed, rejected=rejected)


def do_upload_points_csv(
    kpi_key: str, content: bytes, *, actor: Any, filename: str = ""
) -> RecordedPoints:
    """A CSV file of data points: every good row kept, every bad one reported with its line
    number and reason; uploading the same file again adds nothing."""
    from kaizen.kpis.external import parse_points_csv

    check_external_kpi(kpi_key)
    parsed: ParsedFile = parse_points_csv(content)
    return do_record_external_points(
        kpi_key,
        parsed.points,
        actor=actor,
        channel="csv",
        filename=filename,
        rejected=parsed.errors,
    )
