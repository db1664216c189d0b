"""External data points: parsing what the API and CSV files deliver, and measuring from them.

The analytics store holds facts synced from Kaizen's journal; values measured elsewhere
(availability from monitoring, survey scores) arrive as `ExternalDataPoint` rows instead, and
a KPI whose source is `external` is aggregated here, in the same row shape as the engine's.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import math
import operator
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kaizen.analytics.families import breakdown_columns
from kaizen.kpis.models import ExternalDataPoint, MeasurementSource, PeriodKind, period_floor
from kaizen.kpis.sources import DatabaseSource, register_source
from kaizen.kpis.spec import Aggregate, Filter, KPIDefinition, Operator, Source

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 50_000
POINT_COLUMNS = ("occurred_at", "period_start", "period_kind", "value", "idempotency_key", "source")
DIMENSIONS = tuple(breakdown_columns())


@dataclass(frozen=True)
class PointInput:
    """One checked data point, ready to store."""

    occurred_at: dt.datetime | None
    period_kind: str
    period_start: dt.date | None
    dimensions: dict[str, str]
    value: float
    idempotency_key: str
    source_label: str

    def same_as(self, point: ExternalDataPoint) -> bool:
        """Whether a stored point is this one (a replay), whatever its key."""
        return (
            point.occurred_at == self.occurred_at
            and point.period_kind == self.period_kind
            and point.period_start == self.period_start
            and point.dimensions == self.dimensions
            and point.value == self.value
        )


@dataclass
class RowError:
    row: int  # the line in the CSV file (the header is line 1); 0 for an API body
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


def _content_key(
    occurred_at: dt.datetime | None,
    period_kind: str,
    period_start: dt.date | None,
    dimensions: Mapping[str, str],
    value: float,
) -> str:
    """Without a key given, the point's own content is its key: delivering the same point
    again (a re-uploaded file) finds it instead of adding a copy."""
    content = json.dumps(
        [
            occurred_at.isoformat() if occurred_at else None,
            period_kind,
            period_start.isoformat() if period_start else None,
            sorted(dimensions.items()),
            value,
        ]
    )
    return "content:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def _parse_instant(raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        instant = raw
    else:
        try:
            instant = parse_datetime(str(raw).strip())
        except ValueError:
            instant = None
        if instant is None:
            day = parse_date(str(raw).strip()) if raw else None
            if day is None:
                raise ValidationError({"occurred_at": f"{raw!r} is not an ISO date-time"})
            instant = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(instant):  # no offset: the organisation's own time
        instant = timezone.make_aware(instant)
    return instant


def check_point(raw: Mapping[str, Any], *, idempotency_key: str = "") -> PointInput:
    """Check one point as the API or a CSV row gives it; errors name the field.

    A point is either at an instant (`occurred_at`) or for a whole period (`period_start` and
    `period_kind`); dimensions are the breakdown columns (service, team, ...)."""
    unknown = set(raw) - set(POINT_COLUMNS) - set(DIMENSIONS) - {"dimensions"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(
            {name: f"not a data point field (dimensions: {', '.join(DIMENSIONS)})"}
        )
    value = _check_value(raw.get("value"))
    occurred_raw, start_raw = raw.get("occurred_at"), raw.get("period_start")
    kind = str(raw.get("period_kind") or "").strip()
    occurred_at, period_start = None, None
    if occurred_raw not in (None, ""):
        if start_raw not in (None, "") or kind:
            raise ValidationError(
                {"occurred_at": "give either occurred_at or period_start with period_kind"}
            )
        occurred_at = _parse_instant(occurred_raw)
    elif start_raw not in (None, ""):
        if kind not in PeriodKind.values or kind == PeriodKind.ALL:
            choices = ", ".join(v for v in PeriodKind.values if v != PeriodKind.ALL)
            raise ValidationError({"period_kind": f"one of {choices}"})
        period_start = start_raw if isinstance(start_raw, dt.date) else parse_date(str(start_raw))
        if period_start is None:
            raise ValidationError({"period_start": f"{start_raw!r} is not an ISO date"})
        if period_floor(period_start, kind) != period_start:
            raise ValidationError(
                {"period_start": f"{period_start} is not the first day of a {kind}"}
            )
    else:
        raise ValidationError(
            {"occurred_at": "required (or period_start with period_kind for a whole period)"}
        )
    dimensions = _check_dimensions(raw)
    key = str(idempotency_key or raw.get("idempotency_key") or "").strip()
    if len(key) > 200:
        raise ValidationError({"idempotency_key": "at most 200 characters"})
    return PointInput(
        occurred_at=occurred_at,
        period_kind=kind if period_start else "",
        period_start=period_start,
        dimensions=dimensions,
        value=value,
        idempotency_key=key or _content_key(occurred_at, kind, period_start, dimensions, value),
        source_label=str(raw.get("source") or "").strip()[:120],
    )


def _check_value(raw: Any) -> float:
    if raw is None or raw == "":
        raise ValidationError({"value": "required"})
    if isinstance(raw, bool):
        raise ValidationError({"value": "a number, not true/false"})
    try:
        value = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError as exc:
        raise ValidationError({"value": f"{raw!r} is not a number"}) from exc
    if not math.isfinite(value):
        raise ValidationError({"value": "a finite number"})
    return value


def _check_dimensions(raw: Mapping[str, Any]) -> dict[str, str]:
    given = raw.get("dimensions") or {}
    if not isinstance(given, dict):
        raise ValidationError({"dimensions": 'an object, e.g. {"service": "Email"}'})
    unknown = set(given) - set(DIMENSIONS)
    if unknown:
        raise ValidationError(
            {"dimensions": f"{sorted(unknown)[0]!r} is not a dimension ({', '.join(DIMENSIONS)})"}
        )
    merged = {**given, **{name: raw[name] for name in DIMENSIONS if name in raw}}
    return {name: str(value).strip() for name, value in merged.items() if value not in (None, "")}


@dataclass
class ParsedFile:
    points: list[tuple[int, PointInput]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_points_csv(content: bytes) -> ParsedFile:
    """Every good row of a CSV file, and every bad one with its line number and reason.

    Columns: `value` and either `occurred_at` or `period_start` + `period_kind`; optionally
    `idempotency_key`, `source` and any dimension (service, team, priority, ...)."""
    parsed = ParsedFile()
    if len(content) > MAX_CSV_BYTES:
        parsed.errors.append(RowError(0, "file", f"larger than {MAX_CSV_BYTES // 1024} KiB"))
        return parsed
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.errors.append(RowError(0, "file", "not UTF-8 text"))
        return parsed
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    known = set(POINT_COLUMNS) | set(DIMENSIONS)
    problems = [f"unknown column {name!r}" for name in header if name not in known]
    if "value" not in header:
        problems.append("no 'value' column")
    if "occurred_at" not in header and "period_start" not in header:
        problems.append("no 'occurred_at' (or 'period_start') column")
    if problems:
        parsed.errors.append(RowError(1, "header", "; ".join(problems)))
        return parsed
    reader.fieldnames = header
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_CSV_ROWS:
            parsed.errors.append(RowError(line, "file", f"more than {MAX_CSV_ROWS} rows"))
            break
        if None in row:  # DictReader's bucket for cells beyond the header
            parsed.errors.append(RowError(line, "row", "more cells than columns"))
            continue
        cells = {name: (value or "").strip() for name, value in row.items()}
        if not any(cells.values()):
            continue  # blank lines, e.g. at the end of a spreadsheet export
        try:
            parsed.points.append((line, check_point(cells)))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                parsed.errors.append(RowError(line, name, "; ".join(messages)))
    return parsed


# -- measuring from external points -----------------------------------------------------------


COMPARISONS: dict[str, Any] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.LT: operator.lt,
    Operator.LE: operator.le,
    Operator.GT: operator.gt,
    Operator.GE: operator.ge,
    Operator.IN: lambda value, wanted: value in (wanted or []),
}


def _matches(row: Mapping[str, Any], filters: Iterable[Filter]) -> bool:
    for item in filters:
        value = row.get(item.column)
        if item.operator == Operator.IS_NULL:
            if (value is None) != bool(item.value):
                return False
            continue
        if item.operator == Operator.IS_TRUE:
            if bool(value) != bool(item.value):
                return False
            continue
        if value is None:
            return False
        wanted = item.value
        if item.column != "value":  # dimensions are text; compare as text
            value = str(value)
            wanted = [str(v) for v in wanted] if isinstance(wanted, list) else str(wanted)
        try:
            if not COMPARISONS[item.operator](value, wanted):
                return False
        except TypeError:  # comparing a number with text: not a match
            return False
    return True


def _aggregate(definition: KPIDefinition, rows: list[dict[str, Any]]) -> tuple[float | None, int]:
    measure = definition.measure
    assert measure is not None
    if measure.aggregate in (Aggregate.SHARE, Aggregate.RATIO):
        hits = sum(1 for row in rows if _matches(row, measure.numerator))
        if measure.aggregate == Aggregate.SHARE:
            return (100.0 * hits / len(rows) if rows else None), len(rows)
        base = sum(1 for row in rows if _matches(row, measure.denominator))
        return (hits / base if base else None), base
    if measure.aggregate == Aggregate.COUNT:
        return float(len(rows)), len(rows)
    values = sorted(row[measure.column or "value"] for row in rows)
    values = [v for v in values if v is not None]
    if not values:
        return None, 0
    if measure.aggregate == Aggregate.SUM:
        return float(sum(values)), len(values)
    if measure.aggregate == Aggregate.MEAN:
        return statistics.fmean(values), len(values)
    if measure.aggregate == Aggregate.MEDIAN:
        return float(statistics.median(values)), len(values)
    # Percentile, linear between the closest ranks (as DuckDB's quantile_cont).
    rank = (measure.percentile or 0) / 100 * (len(values) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low), len(values)


def external_rows(
    definition: KPIDefinition,
    *,
    period: str,
    by: tuple[str, ...] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Measure an external KPI from its points, in the engine's row shape, plus provenance
    (`point_ids`, `upload_ids`). `start` is inclusive and `end` exclusive, on period starts."""
    measure = definition.measure
    assert measure is not None
    points = ExternalDataPoint.objects.filter(kpi_key=definition.key).order_by("pk")
    groups: dict[tuple[Any, ...], list[tuple[ExternalDataPoint, dict[str, Any]]]] = defaultdict(
        list
    )
    for point in points:
        if period != PeriodKind.ALL and not point.counts_in(period):
            continue
        day = point.local_day()
        period_start = period_floor(day, period)
        if (start and day < start) or (end and day >= end):
            continue
        row = {**point.dimensions, "value": point.value}
        if not _matches(row, measure.filters):
            continue
        key = (period_start, *(point.dimensions.get(name) for name in by))
        groups[key].append((point, row))
    results = []
    for key, members in sorted(groups.items(), key=lambda item: str(item[0])):
        value, n = _aggregate(definition, [row for _, row in members])
        period_value = "all" if period == PeriodKind.ALL else key[0].isoformat()
        results.append(
            {
                "period": period_value,
                **dict(zip(by, key[1:], strict=True)),
                "value": value,
                "n": n,
                "point_ids": [point.pk for point, _ in members],
                "upload_ids": sorted({p.upload_id for p, _ in members if p.upload_id}),
            }
        )
    return results


def _source_rows(definition: KPIDefinition, **arguments: Any) -> list[dict[str, Any]]:
    # `external_rows` looked up when a KPI is measured, not when the source is registered: the
    # module's function is the one that measures, whatever replaced it since.
    return external_rows(definition, **arguments)


register_source(
    DatabaseSource(
        name=Source.EXTERNAL,
        rows=_source_rows,
        measured_as=MeasurementSource.EXTERNAL,
        noun="data points",
    )
)
