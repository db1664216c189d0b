"""Writing many rows fast: the one bulk writer of the importers, the journal and the SLA
clocks.

Django's bulk_create builds a model instance per row and compiles every value through the
ORM's SQL compiler, which dominates the time of writing hundreds of thousands of rows. Here a
row is a tuple of named fields' values (`insert_values`, `update_values`; `insert_rows` takes
dicts of every concrete field and hands them over as tuples) and one path writes them all:
- each value is adapted as the ORM would adapt it, but only where a field needs it: ints,
  text and booleans go to the driver as they are, a datetime is looked up in one cache per
  call (a recompute's clocks and an imported history repeat the same instants many times),
  the rest (JSON, UUIDs, dates) go through the field's own `get_db_prep_save`;
- SQLite runs an executemany as one prepared statement stepped per row, as fast as it
  writes; PostgreSQL would receive, parse and plan one statement per row (Django binds
  parameters on the client), so there the rows go in with COPY, which psycopg formats in C.
They send no signals and return no ids: callers look the rows up by a unique key.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# Values of these fields go to the driver as they are.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)

# A datetime cache stops growing here (a million instants of text is ~100 MB).
_DATETIME_CACHE_LIMIT = 1_000_000


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """A datetime -> database value function for `connection`, giving exactly what the ORM
    gives. SQLite stores naive text in the connection's zone (UTC); Django gets there through
    make_naive and str(), which at a million values is a sizeable share of a run, so a
    datetime already in UTC on a UTC connection takes a direct route to the same text (its
    isoformat(" ") minus the "+00:00" suffix)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite":
        return adapt
    utc_connection = connection.timezone is dt.UTC

    def adapt_for_sqlite(value: Any) -> Any:
        if utc_connection and value.tzinfo is dt.UTC:
            return value.isoformat(" ")[:-6]
        return adapt(value)

    return adapt_for_sqlite


def _field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _columns(
    model: type[models.Model], names: Sequence[str], connection: BaseDatabaseWrapper
) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(_field(model, name).column) for name in names]


def _prepare(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


def adapted_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    connection: BaseDatabaseWrapper,
) -> list[Sequence[Any]]:
    """`rows` (values of the fields `names`, in that order) adapted for the database.

    The hot loop does only what a field needs: rows of plain values are passed on as they
    are, a datetime is a dict lookup (each distinct instant adapted once per call), and only
    the other typed fields call a function per value."""
    datetimes: list[int] = []
    prepared: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        field = _field(model, name)
        internal_type = field.get_internal_type()
        if internal_type == "DateTimeField":
            datetimes.append(position)
        elif internal_type not in _PLAIN_TYPES:
            prepared.append((position, _prepare(field, connection)))
    if not datetimes and not prepared:
        return rows if isinstance(rows, list) else list(rows)
    adapt_datetime = datetime_adapter(connection)
    adapted_datetimes: dict[dt.datetime, Any] = {}
    unseen = object()
    last_values: list[Any] = [unseen] * len(prepared)
    last_adapted: list[Any] = [None] * len(prepared)
    adapted = []
    for row in rows:
        values = list(row)
        for position in datetimes:
            value = values[position]
            if value is not None:
                text = adapted_datetimes.get(value)
                if text is None:
                    text = adapt_datetime(value)
                    if len(adapted_datetimes) < _DATETIME_CACHE_LIMIT:
                        adapted_datetimes[value] = text
                values[position] = text
        for index, (position, prepare) in enumerate(prepared):
            value = values[position]
            # One value repeated on every row (a batch's correlation id) is adapted once.
            if value is last_values[index]:
                values[position] = last_adapted[index]
            else:
                last_values[index], last_adapted[index] = value, prepare(value)
                values[position] = last_adapted[index]
        adapted.append(values)
    return adapted


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL: COPY `rows` into `table`; psycopg adapts each value as for a parameter."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch_size: int = 5000,
) -> None:
    """INSERT `rows`, each the values of the fields `names` in that order (a foreign key by
    its name or attname, its value the id), in the caller's transaction, `batch_size` rows
    at a time (the adapted values of one batch are held in memory)."""
    if not rows:
        return
    connection = transaction.get_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, names, connection)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = adapted_rows(model, names, rows[start : start + batch_size], connection)
            if connection.vendor == "postgresql":
                copy_rows(cursor, table, columns, batch)
            else:
                cursor.executemany(sql, batch)


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, batch_size: int = 5000
) -> None:
    """INSERT `rows` (column values by attname, every concrete field but the automatic
    primary key) in the caller's transaction: `insert_values` of those fields."""
    if not rows:
        return
    names = [
        field.attname
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.get_internal_type().endswith("AutoField"))
    ]
    insert_values(
        model, names, [tuple(row[name] for name in names) for row in rows], batch_size=batch_size
    )


# From this many rows an update on PostgreSQL goes through a staging table (below); for fewer,
# such as the live refresh's one or two clocks, its catalog writes cost more than they save.
STAGED_UPDATE_ROWS = 50


def update_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """`UPDATE table SET names... WHERE id = ?` for many rows; each row is (values in `names`
    order..., id). Django's bulk_update would build one CASE expression per field instead.

    On PostgreSQL many rows are copied into a temporary table first, then updated from it in
    one statement (a third of the time of a statement per row)."""
    if not rows:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = _columns(model, (*names, "pk"), connection)
    updated, id_column = columns[:-1], columns[-1]
    adapted = adapted_rows(model, (*names, "pk"), rows, connection)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) < STAGED_UPDATE_ROWS:
            assignments = ", ".join(f"{column} = %s" for column in updated)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {id_column} = %s", adapted)
            return
        staging = quote(f"{model._meta.db_table}_staged")
        with transaction.atomic():  # ON COMMIT DROP: the table lives in this transaction only
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
                f" SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            copy_rows(cursor, staging, columns, adapted)
            assignments = ", ".join(f"{column} = staged.{column}" for column in updated)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {staging} AS staged"
                f" WHERE {table}.{id_column} = staged.{id_column}"
            )
            cursor.execute(f"DROP TABLE {staging}")  # another update may follow in this one
