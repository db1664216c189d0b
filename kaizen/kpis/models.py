"""Custom KPIs, stored measurements and external data points.

The KPI library (kaizen.kpis.library) is code; what people add in the UI lives here and turns
into the same `KPIDefinition` through `CustomKPI.to_definition()`. Measurements are the engine's
results kept per period (and per breakdown value), each row saying where it came from.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from kaizen.analytics.families import breakdown_columns, families
from kaizen.kpis.sources import source_columns
from kaizen.kpis.spec import (
    Aggregate,
    Direction,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Source,
    Thresholds,
    Unit,
)
from kaizen.people.models import Process, User

CUSTOM_PREFIX = "custom."
SOURCES = [source.value for source in Source]
# A data point's own columns; `dimensions` adds any breakdown dimension next to them.
EXTERNAL_COLUMNS = {"value": "DOUBLE", "occurred_at": "TIMESTAMP", "period_start": "DATE"}


def fact_columns(source: str) -> dict[str, str]:
    """The columns a KPI may name for `source`, with their SQL type: the fact table's (read
    from its fact family), or for external KPIs the data point's own and its dimensions."""
    if source == Source.EXTERNAL:
        return {**EXTERNAL_COLUMNS, **{name: "VARCHAR" for name in breakdown_columns()}}
    return source_columns(source)


def custom_kpi_sources() -> list[tuple[str, str]]:
    """The sources a custom KPI may measure: every fact family of the analytics store (a
    process's family is one as soon as it is registered) and external data points. Not the
    improvement register: its KPIs are counted by code, one by one."""
    store = [(family.name, family.label) for family in families()]
    return [*store, (Source.EXTERNAL, "External data points")]


def timestamp_columns(source: str) -> list[str]:
    return [name for name, kind in fact_columns(source).items() if kind in {"TIMESTAMP", "DATE"}]


def numeric_columns(source: str) -> list[str]:
    numeric = {"DOUBLE", "INTEGER", "SMALLINT", "BIGINT"}
    return [name for name, kind in fact_columns(source).items() if kind in numeric]


class PeriodKind(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"
    ALL = "all", "All time"


# Finest first: a point given for one period kind also counts in every coarser one.
PERIOD_ORDER = [kind.value for kind in PeriodKind]
# The "all" period has no start of its own; rows for it are keyed on the range's start, and
# this date stands for "from the beginning".
ALL_TIME_START = dt.date(1970, 1, 1)


def period_floor(day: dt.date, kind: str) -> dt.date:
    """The first day of the period of `kind` that contains `day` (weeks start on Monday)."""
    if kind == PeriodKind.DAY:
        return day
    if kind == PeriodKind.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if kind == PeriodKind.MONTH:
        return day.replace(day=1)
    if kind == PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if kind == PeriodKind.YEAR:
        return dt.date(day.year, 1, 1)
    return ALL_TIME_START


def period_step_back(start: dt.date, kind: str) -> dt.date:
    """The start of the period before the one starting on `start`."""
    return period_floor(start - dt.timedelta(days=1), kind)


def period_after(start: dt.date, kind: str) -> dt.date:
    """The start of the period after the one containing `start`."""
    longest = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}[kind]
    return period_floor(period_floor(start, kind) + dt.timedelta(days=longest), kind)


def whole_periods(
    start: dt.date | None, end: dt.date | None, kind: str
) -> tuple[dt.date | None, dt.date | None]:
    """A range widened to whole periods of `kind`, so no period is measured from a part of it
    (which would replace its full figure with a partial one)."""
    if kind == PeriodKind.ALL:
        return start, end
    if start is not None:
        start = period_floor(start, kind)
    if end is not None and period_floor(end, kind) != end:
        end = period_after(end, kind)
    return start, end


key_validator = RegexValidator(
    r"^custom\.[a-z0-9][a-z0-9_-]*$",
    'a key is "custom." followed by lower-case letters, digits, "-" or "_"',
)


class CustomKPI(models.Model):
    """A KPI defined in the UI: which fact rows, how they aggregate, and what "good" is."""

    key = models.CharField(max_length=120, unique=True, validators=[key_validator])
    name = models.CharField(max_length=150)
    process = models.CharField(max_length=32, choices=Process.choices)
    description = models.TextField(blank=True, help_text="What it tells and why it matters")
    unit = models.CharField(max_length=16, choices=[(u.value, u.value) for u in Unit])
    direction = models.CharField(
        max_length=8,
        choices=[
            (Direction.HIGHER_IS_BETTER, "Higher is better"),
            (Direction.LOWER_IS_BETTER, "Lower is better"),
        ],
    )
    target = models.FloatField(null=True, blank=True)
    warning = models.FloatField(
        null=True, blank=True, help_text="Amber between the target and this; red beyond it"
    )
    source = models.CharField(max_length=32, choices=custom_kpi_sources)
    period_column = models.CharField(
        max_length=64, help_text="The timestamp that places a row in a period, e.g. opened_at"
    )
    filters = models.JSONField(
        default=list,
        blank=True,
        help_text='e.g. [{"column": "priority", "operator": "le", "value": 2}]',
    )
    aggregate = models.CharField(max_length=16, choices=[(a.value, a.value) for a in Aggregate])
    column = models.CharField(
        max_length=64, blank=True, help_text="For sum, mean, median, percentile"
    )
    percentile = models.FloatField(null=True, blank=True, help_text="0-100, for percentile")
    numerator = models.JSONField(
        default=list, blank=True, help_text="Filters of the counted rows, for share and ratio"
    )
    denominator = models.JSONField(
        default=list, blank=True, help_text="Filters of the rows divided by, for ratio"
    )
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_kpis"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: bumped by every journaled update (kaizen/journal/tracking.py).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["process", "name"]
        verbose_name = "custom KPI"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kpis:detail", args=[self.key])

    def clean(self) -> None:
        """Rules a field cannot say alone; each error names its field."""
        columns = fact_columns(self.source) if self.source in SOURCES else {}
        errors: dict[str, str] = {}
        if self.period_column and self.period_column not in timestamp_columns(self.source):
            errors["period_column"] = (
                f"{self.period_column!r} is not a timestamp of {self.source}: "
                f"one of {', '.join(timestamp_columns(self.source))}"
            )
        for field in ("filters", "numerator", "denominator"):
            message = filter_errors(getattr(self, field), columns)
            if message:
                errors[field] = message
        errors.update(self._aggregate_errors(columns))
        if (
            self.target is not None
            and self.warning is not None
            and self.direction in (Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER)
        ):
            worse = (
                self.warning > self.target
                if self.direction == Direction.HIGHER_IS_BETTER
                else self.warning < self.target
            )
            if worse:
                side = "below" if self.direction == Direction.HIGHER_IS_BETTER else "above"
                errors["warning"] = f"must be {side} the target (on its bad side)"
        if self.warning is not None and self.target is None:
            errors["target"] = "give a target when there is a warning threshold"
        if errors:
            raise ValidationError(errors)

    def _aggregate_errors(self, columns: dict[str, str]) -> dict[str, str]:
        errors: dict[str, str] = {}
        needs_column = {Aggregate.SUM, Aggregate.MEAN, Aggregate.MEDIAN, Aggregate.PERCENTILE}
        if self.aggregate in needs_column:
            if not self.column:
                errors["column"] = f"{self.aggregate} needs the column it aggregates"
            elif self.column not in columns:
                errors["column"] = f"{self.column!r} is not a column of {self.source}"
            elif self.column not in numeric_columns(self.source):
                errors["column"] = f"{self.column!r} is not a number"
        elif self.column:
            errors["column"] = f"{self.aggregate} takes no column"
        if self.aggregate == Aggregate.PERCENTILE:
            if self.percentile is None:
                errors["percentile"] = "a percentile KPI needs the percentile (0-100)"
            elif not 0 <= self.percentile <= 100:
                errors["percentile"] = "must be between 0 and 100"
        elif self.percentile is not None:
            errors["percentile"] = "only a percentile KPI takes a percentile"
        if self.aggregate in (Aggregate.SHARE, Aggregate.RATIO) and not self.numerator:
            errors["numerator"] = f"{self.aggregate} needs the numerator's filters"
        if self.aggregate == Aggregate.RATIO and not self.denominator:
            errors["denominator"] = "ratio needs the denominator's filters"
        if self.aggregate != Aggregate.RATIO and self.denominator:
            errors["denominator"] = "only a ratio has a denominator"
        if self.aggregate not in (Aggregate.SHARE, Aggregate.RATIO) and self.numerator:
            errors["numerator"] = "only share and ratio have a numerator"
        return errors

    def used_columns(self) -> tuple[str, ...]:
        names = [self.period_column, self.column]
        for field in ("filters", "numerator", "denominator"):
            names += [item["column"] for item in getattr(self, field) or []]
        return tuple(dict.fromkeys(name for name in names if name))

    def formula(self) -> str:
        """The measure in words, as the KPI page shows it."""
        what = {
            Aggregate.COUNT: "number of rows",
            Aggregate.SUM: f"sum of {self.column}",
            Aggregate.MEAN: f"mean of {self.column}",
            Aggregate.MEDIAN: f"median of {self.column}",
            Aggregate.PERCENTILE: f"{self.percentile:g}th percentile of {self.column}"
            if self.percentile is not None
            else "percentile",
            Aggregate.SHARE: f"percent of rows where {describe_filters(self.numerator)}",
            Aggregate.RATIO: (
                f"rows where {describe_filters(self.numerator)} / "
                f"rows where {describe_filters(self.denominator)}"
            ),
        }.get(Aggregate(self.aggregate), self.aggregate)
        scope = f" where {describe_filters(self.filters)}" if self.filters else ""
        return f"{what} in {self.source}{scope}, by {self.period_column}"

    def to_definition(self) -> KPIDefinition:
        return KPIDefinition(
            key=self.key,
            name=self.name,
            process=self.process,
            description=self.description,
            formula=self.formula(),
            unit=Unit(self.unit),
            direction=Direction(self.direction),
            thresholds=Thresholds(target=self.target, warning=self.warning),
            required_fields=self.used_columns(),
            measure=Measure(
                source=Source(self.source),
                aggregate=Aggregate(self.aggregate),
                period_column=self.period_column,
                column=self.column or None,
                percentile=self.percentile,
                filters=to_filters(self.filters),
                numerator=to_filters(self.numerator),
                denominator=to_filters(self.denominator),
            ),
            custom=True,
        )


def to_filters(items: list[dict[str, Any]] | None) -> tuple[Filter, ...]:
    return tuple(
        Filter(column=item["column"], operator=Operator(item["operator"]), value=item.get("value"))
        for item in items or []
    )


def describe_filters(items: list[dict[str, Any]] | None) -> str:
    return " and ".join(
        f"{item.get('column')} {item.get('operator')} {item.get('value')!r}" for item in items or []
    )


def filter_errors(items: Any, columns: dict[str, str]) -> str:
    """What is wrong with a JSON list of {column, operator, value}, or ''."""
    if not isinstance(items, list):
        return 'a list of {"column", "operator", "value"} objects'
    operators = [op.value for op in Operator]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) - {"column", "operator", "value"}:
            return f'filter {number}: an object with "column", "operator" and "value"'
        if item.get("column") not in columns:
            return f"filter {number}: {item.get('column')!r} is not a column of this source"
        if item.get("operator") not in operators:
            return f"filter {number}: the operator is one of {', '.join(operators)}"
        value = item.get("value")
        if item["operator"] == Operator.IN and not isinstance(value, list):
            return f"filter {number}: 'in' takes a list of values"
        if item["operator"] in (Operator.IS_NULL, Operator.IS_TRUE) and not isinstance(value, bool):
            return f"filter {number}: {item['operator']} takes true or false"
    return ""


class MeasurementSource(models.TextChoices):
    ENGINE = "engine", "Computed by the engine"
    EXTERNAL = "external", "External data points"
    IMPROVEMENT = "improvement", "The improvement register"


class RunScope(models.TextChoices):
    RECENT = "recent", "The recent months"
    HISTORY = "history", "The whole history"
    CHOSEN = "chosen", "Chosen KPIs, periods or range"


class MeasurementRun(models.Model):
    """One collection of measurements: what was asked, what came of it. The journal event of
    the collection points here, and every measurement written names its run."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keys = models.JSONField(default=list)
    period_kinds = models.JSONField(default=list)
    breakdowns = models.JSONField(default=list)
    range_start = models.DateField(null=True, blank=True)
    range_end = models.DateField(null=True, blank=True)
    synced_event_id = models.BigIntegerField(
        null=True, blank=True, help_text="The last journal event the analytics store had synced"
    )
    # What the run set out to measure: the hourly recent months, the whole history (after an
    # import, on demand), or a choice of KPIs, periods or range. An import is measured once a
    # HISTORY run has read the store past the import's journal event.
    scope = models.CharField(max_length=8, choices=RunScope.choices, default=RunScope.CHOSEN)
    events_behind = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Journal events the analytics store had not synced when measured (0: all)",
    )
    measurements = models.PositiveIntegerField(default=0)
    not_measurable = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Measurement run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class Measurement(models.Model):
    """A KPI's value for one period (and one breakdown value). Recomputing replaces the row."""

    kpi_key = models.CharField(max_length=120)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    dimension = models.CharField(max_length=32, blank=True, default="")  # '' = no breakdown
    dimension_value = models.CharField(max_length=300, blank=True, default="")
    value = models.FloatField(null=True, blank=True)  # null: nothing to measure in the period
    n = models.PositiveIntegerField(default=0)  # sample size behind the value
    computed_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=MeasurementSource.choices)
    run = models.ForeignKey(
        MeasurementRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    synced_event_id = models.BigIntegerField(null=True, blank=True)
    data_point_ids = models.JSONField(default=list, blank=True)
    upload_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["kpi_key", "period_kind", "dimension", "period_start", "dimension_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_key", "period_kind", "period_start", "dimension", "dimension_value"],
                name="unique_measurement_per_period",
            )
        ]
        indexes = [
            # The scorecard reads the latest periods of every KPI for one kind, no breakdown.
            models.Index(
                fields=["period_kind", "dimension", "kpi_key", "-period_start"],
                name="kpis_measurement_latest",
            )
        ]

    def __str__(self) -> str:
        where = f" {self.dimension}={self.dimension_value}" if self.dimension else ""
        return f"{self.kpi_key} {self.period_kind} {self.period_start}{where}: {self.value}"


class ExternalUpload(models.Model):
    """One delivery of external data points: an API call or a CSV file."""

    channel = models.CharField(max_length=8, choices=[("api", "API"), ("csv", "CSV upload")])
    kpi_key = models.CharField(max_length=120)
    filename = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded = models.PositiveIntegerField(default=0)
    replayed = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)  # [{"row", "field", "reason"}]

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        what = self.filename or self.get_channel_display()
        return f"{self.kpi_key}: {what} ({self.created_at:%Y-%m-%d %H:%M})"


class ExternalDataPoint(models.Model):
    """A value measured outside Kaizen (e.g. availability from monitoring), at an instant or
    for a whole period. The idempotency key makes a replayed delivery the same point."""

    kpi_key = models.CharField(max_length=120)
    occurred_at = models.DateTimeField(null=True, blank=True)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices, blank=True)
    period_start = models.DateField(null=True, blank=True)
    dimensions = models.JSONField(default=dict, blank=True)  # {"service": "Email", ...}
    value = models.FloatField()
    idempotency_key = models.CharField(max_length=200)
    source_label = models.CharField(max_length=120, blank=True)
    upload = models.ForeignKey(
        ExternalUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="points"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi_key", "occurred_at", "period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_key", "idempotency_key"], name="unique_data_point_per_key"
            ),
            models.CheckConstraint(
                condition=models.Q(occurred_at__isnull=False)
                | (models.Q(period_start__isnull=False) & ~models.Q(period_kind="")),
                name="data_point_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.when()}: {self.value}"

    def when(self) -> str:
        if self.occurred_at is not None:
            return self.occurred_at.isoformat()
        return f"{self.period_kind} of {self.period_start}"

    def local_day(self) -> dt.date:
        """The day the point belongs to, in the reporting time zone."""
        from django.utils import timezone

        if self.occurred_at is not None:
            return timezone.localtime(self.occurred_at).date()
        assert self.period_start is not None
        return self.period_start

    def counts_in(self, kind: str) -> bool:
        """A point for a month says nothing about its days; it counts in months and coarser."""
        own = PeriodKind.DAY if self.occurred_at is not None else self.period_kind
        return PERIOD_ORDER.index(kind) >= PERIOD_ORDER.index(own)
