"""KPI sources: where the rows a KPI measures come from, by the name its `Measure.source` holds.

Two kinds, looked up by name (the strings stored in KPI definitions and custom KPIs):

- **Store sources**: every fact family of the analytics store (kaizen.analytics.families) is
  one, under its table's name (`incident_facts`, `incident_event_facts`). The engine builds
  SQL over the table, with its columns; breakdowns use the family's dimensions, and an event
  family's rows take theirs from its record family's table, joined on the record's key (an
  incident event is broken down by its incident's service, team...). A process that adds a
  family adds its source; nothing here changes.
- **Database sources**: rows computed from the Django database by the app that owns them, in
  the engine's row shape (`rows`), with a data-quality scope (`rows_in_scope`: how many rows
  the KPI reads over a range; without one, the sum of the periods' n). External data points
  (kaizen.kpis.external) and the improvement register (kaizen.improvement, from its
  AppConfig.ready()) register here with `register_source()`: the KPI app imports neither.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from kaizen.analytics.families import EventFamily, RecordFamily, get_family
from kaizen.kpis.spec import KPIDefinition


class RowsFunction(Protocol):
    def __call__(
        self,
        definition: KPIDefinition,
        *,
        period: str,
        by: Sequence[str],
        start: dt.date | None,
        end: dt.date | None,
    ) -> list[dict[str, Any]]: ...


ScopeFunction = Callable[..., int]  # (definition, *, start, end) -> rows read over the range


@dataclass(frozen=True)
class StoreSource:
    name: str  # the fact table
    columns: Mapping[str, str]  # column -> SQL type
    dimensions: Mapping[str, str]  # breakdown dimension -> column of the dimensions' table
    # Where the dimensions are: None, on the rows themselves; else this table, joined on
    # `join_key` (a column of both).
    dimensions_table: str | None = None
    join_key: str = ""


@dataclass(frozen=True)
class DatabaseSource:
    name: str
    rows: RowsFunction
    rows_in_scope: ScopeFunction | None = None
    # What a stored measurement of it says it came from (kaizen.kpis.models.MeasurementSource).
    measured_as: str = "engine"
    columns: Mapping[str, str] = field(default_factory=dict)
    noun: str = "rows"  # what its rows are, in the plural, for sentences people read


Source = StoreSource | DatabaseSource

_database_sources: dict[str, DatabaseSource] = {}


def register_source(source: DatabaseSource) -> DatabaseSource:
    """Add a database source (at start-up, from the owning app). A name is registered once:
    a second, different registration would change what stored definitions measure."""
    known = _database_sources.get(source.name)
    if known is not None and known != source:
        raise ValueError(f"a KPI source named {source.name!r} is already registered")
    _database_sources[source.name] = source
    return source


@cache
def _store_source(name: str) -> StoreSource | None:
    try:
        family = get_family(name)
    except LookupError:
        return None
    if isinstance(family, EventFamily):
        records = family.record_family
        return StoreSource(
            name=family.name,
            columns=family.columns,
            dimensions=records.breakdowns,
            dimensions_table=records.name,
            join_key=records.key,
        )
    assert isinstance(family, RecordFamily)
    return StoreSource(name=family.name, columns=family.columns, dimensions=family.breakdowns)


def get_source(name: str) -> Source | None:
    """The source of that name; None when nothing registered it (e.g. a process not built)."""
    return _database_sources.get(str(name)) or _store_source(str(name))


def store_source(name: str) -> StoreSource | None:
    source = get_source(name)
    return source if isinstance(source, StoreSource) else None


def database_source(name: str) -> DatabaseSource | None:
    return _database_sources.get(str(name))


def is_database_source(name: str) -> bool:
    return str(name) in _database_sources


def database_source_names() -> tuple[str, ...]:
    return tuple(_database_sources)


def rows_noun(name: str) -> str:
    """What a source's rows are, in the plural: "incidents", "data points"."""
    database = database_source(name)
    if database is not None:
        return database.noun
    try:
        return get_family(str(name)).noun
    except LookupError:
        return "rows"


def column_label(name: str, column: str) -> str:
    """A source's column as people read it ("Resolved at", "SLA verdict"); a name with a dot
    (a field of a process Kaizen does not have yet, "problem.opened_at") reads "Problem:
    opened at"."""
    if "." in column:
        record, _, rest = column.partition(".")
        return f"{record.replace('_', ' ').capitalize()}: {rest.replace('_', ' ')}"
    try:
        return get_family(str(name)).column_label(column)
    except LookupError:
        label = column.replace("_", " ")
        return label[:1].upper() + label[1:]


def source_columns(name: str) -> dict[str, str]:
    """The fact columns of a store source with their SQL type (TIMESTAMP, DOUBLE,
    VARCHAR...); {} for a database source or an unknown name (no table to read)."""
    source = store_source(name)
    return dict(source.columns) if source is not None else {}
