"""Building blocks of fact rows, shared by every fact family (kaizen.analytics.families).

Rows are read through the database driver without Django's per-value converters
(`fetch_rows`, datetimes as `UtcText`), and every column is converted in bulk by Arrow: at
rebuild volume (millions of rows) Django's per-value work would cost more than the queries
themselves. `id_ranges` cuts a whole table into chunks that cost the same however far into it
they are, and that worker processes can read in any order.

Times are stored as naive wall-clock times in settings.TIME_ZONE; durations are computed from
the aware instants first, so a DST change never stretches or shrinks one (`local_wall_time`,
`hours_between`, `business_hours`). Teams and people are named as they are now (`Names`), so a
rebuild files a renamed team's history under its new name. Work done in DuckDB column-wise (an
event family's JSON reading) runs in an in-memory engine of the process's own
(`scratch_engine`), so a rebuild's worker processes do it too.
"""

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection as database
from django.db import models
from django.db.models import F, Func, Max, Min, QuerySet, TextField

from kaizen.analytics.business_time import BusinessCalendars, BusinessTimeline
from kaizen.people.models import Team, User

US_PER_HOUR = 3_600_000_000
UTC_MICROSECONDS = pa.timestamp("us", tz="UTC")
LOCAL_MICROSECONDS = pa.timestamp("us")


def fetch_rows(queryset: QuerySet) -> list[tuple]:
    """The queryset's rows as the database driver gives them, without Django's per-value
    converters (booleans are 0/1 on SQLite). Datetimes are read as UtcText."""
    sql, params = queryset.query.sql_with_params()
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class UtcText(Func):
    """A datetime column as naive UTC text (`2026-03-02 09:00:00[.ffffff]`), which Arrow
    parses a column at a time (`utc_column`); Django and the SQLite driver would parse each
    value in Python."""

    output_field = TextField()

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS TEXT)", params  # Django stores UTC in this very format

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", params


# -- names -------------------------------------------------------------------------------------


def person_name(first_name: str, last_name: str, username: str) -> str:
    """A person as User.__str__ shows them: full name, else user name."""
    return f"{first_name} {last_name}".strip() or username


class Names:
    """Current names of teams and people for one sync run: teams all at once (few), people
    as their ids come up, each fetched once."""

    def __init__(self) -> None:
        self._teams: dict[int, str] | None = None
        self._people: dict[int, str] = {}
        self.everyone: pa.Table | None = None  # (id, name) of everyone, once all are loaded

    def load_everyone(self) -> None:
        """Every team and person now (a rebuild names most of them anyway): from then on no
        lookup queries the database, and event rows are named in one join with everyone."""
        self._teams = dict(Team.objects.values_list("pk", "name"))
        rows = User.objects.values_list("pk", "first_name", "last_name", "username")
        self._people = {pk: person_name(*names) for pk, *names in rows}
        self.everyone = names_table(self._people)

    @property
    def teams(self) -> dict[int, str]:
        if self._teams is None:
            self._teams = dict(Team.objects.values_list("pk", "name"))
        return self._teams

    def people(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        """The names of these people (those that exist), fetching the ones not seen yet."""
        wanted = {user_id for user_id in user_ids if user_id is not None}
        missing = wanted - self._people.keys()
        if missing and self.everyone is None:
            rows = User.objects.filter(pk__in=missing).values_list(
                "pk", "first_name", "last_name", "username"
            )
            self._people.update((pk, person_name(*names)) for pk, *names in rows)
        return {pk: self._people[pk] for pk in wanted if pk in self._people}


# -- columns -----------------------------------------------------------------------------------


def utc_column(values: Sequence[str | None]) -> pa.Array:
    """Instants read as UtcText, as UTC timestamps."""
    naive = pa.array(values, pa.string()).cast(pa.timestamp("us"))
    return pc.assume_timezone(naive, "UTC")


def local_wall_time(column: pa.Array) -> pa.Array:
    """Instants as naive wall-clock times in the reporting zone (settings.TIME_ZONE)."""
    return pc.local_timestamp(column.cast(pa.timestamp("us", tz=settings.TIME_ZONE)))


def hours_between(start: pa.Array, end: pa.Array) -> pa.Array:
    """Wall-clock hours from start to end; null when either is missing."""
    microseconds = pc.subtract(end.cast(pa.int64()), start.cast(pa.int64()))
    return pc.divide(microseconds.cast(pa.float64()), float(US_PER_HOUR))


def booleans(values: Sequence[Any]) -> pa.Array:
    """Booleans from the driver (0/1 on SQLite), nulls kept."""
    return pa.array(values).cast(pa.bool_())


def joined_name(parent: str | None, child: str | None, separator: str) -> str | None:
    """A record named under its parent, as its __str__ shows it ("Email: Mailbox access")."""
    if child is None:
        return None
    return f"{parent}{separator}{child}" if parent else child


def offering_names(column: Mapping[str, Sequence[Any]]) -> list[str | None]:
    """The offering of each row as its __str__ shows it, from a column-wise read of
    `offering__service__name` and `offering__name` (incident and outage facts)."""
    return [
        joined_name(service, offering, ": ")
        for service, offering in zip(
            column["offering__service__name"], column["offering__name"], strict=True
        )
    ]


def timelines(
    calendar_ids: np.ndarray, instants: Sequence[pa.Array], calendars: BusinessCalendars
) -> dict[int, BusinessTimeline]:
    """A timeline per calendar in use, spanning every instant of the chunk (µs columns)."""
    used = {int(calendar_id) for calendar_id in np.unique(calendar_ids) if calendar_id >= 0}
    bounds = [pc.min_max(column) for column in instants]
    known = [bound[end].as_py() for bound in bounds for end in ("min", "max")]
    known = [instant for instant in known if instant is not None]
    if not used or not known:
        return {}
    return calendars.timelines((calendar_id, min(known), max(known)) for calendar_id in used)


def business_hours(
    timelines: dict[int, BusinessTimeline],
    calendar_ids: np.ndarray,
    starts: pa.Array,
    ends: pa.Array,
) -> pa.Array:
    """Business hours from each start to its end (µs columns) on the row's calendar (-1:
    none); null where either is missing or there is no calendar."""
    both_known = pc.and_(pc.is_valid(starts), pc.is_valid(ends)).to_numpy(zero_copy_only=False)
    measured = both_known & (calendar_ids >= 0)
    start_us = starts.fill_null(0).to_numpy()
    end_us = ends.fill_null(0).to_numpy()
    hours = np.zeros(len(calendar_ids))
    for calendar_id, timeline in timelines.items():
        rows = measured & (calendar_ids == calendar_id)
        hours[rows] = timeline.business_us_array(start_us[rows], end_us[rows]) / US_PER_HOUR
    return pa.array(hours, mask=~measured)


def id_ranges(
    model: type[models.Model], step: int, *, up_to: int | None = None
) -> list[tuple[int, int]]:
    """(after, up_to] id ranges of `step` ids each that together cover every row of the
    model (those with ids up to `up_to`), for reading a whole table in chunks that cost the
    same however far into it they are, and that can be read in any order or in parallel."""
    bounds = model.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    last = bounds["last"] if up_to is None else min(bounds["last"], up_to)
    return [(after, min(after + step, last)) for after in range(bounds["first"] - 1, last, step)]


def names_table(names: dict[int, str]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(list(names), pa.int64()),
            "name": pa.array(list(names.values()), pa.string()),
        }
    )


_scratch = threading.local()


def scratch_engine() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of this thread's own, made once (a connection costs ~15 ms), and
    again in a forked process. A fork keeps its parent's engine referenced and never uses
    it: the engine's threads did not come along, and closing it there would crash."""
    engines = getattr(_scratch, "engines", None)
    if engines is None:
        engines = _scratch.engines = {}
    if os.getpid() not in engines:
        engines[os.getpid()] = duckdb.connect(config={"threads": 1})  # one per worker core
    return engines[os.getpid()]


def first_related_names(
    through: QuerySet, owner: str, target: str, ids: Sequence[int]
) -> tuple[dict[int, str], dict[int, int]]:
    """Per record of a many-to-many (`owner` "change", `target` "service" on the through
    table): the first related record's name, alphabetically, and how many there are. One
    query for a chunk of records."""
    first: dict[int, str] = {}
    count: dict[int, int] = {}
    rows = through.filter(**{f"{owner}_id__in": ids}).order_by(f"{owner}_id", f"{target}__name")
    for record_id, name in rows.values_list(f"{owner}_id", f"{target}__name"):
        first.setdefault(record_id, name)
        count[record_id] = count.get(record_id, 0) + 1
    return first, count
