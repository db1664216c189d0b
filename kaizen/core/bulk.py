"""Writing many rows fast: the one bulk writer of the importers, the journal and the SLA
clocks.

Django's bulk_create builds a model instance per row and compiles every value through the
ORM's SQL compiler, which dominates the time of writing hundreds of thousands of rows.
- `insert_rows` writes plain dicts of column values (by attname, every concrete field) with
  one parameterised INSERT run through `executemany`, converting only the values that need
  it (dates, JSON, UUIDs): the importers and the journal.
- `insert_values` and `update_values` write tuples of the named fields' values (ints, text,
  booleans, datetimes): the SLA clocks of a recompute batch. SQLite runs an executemany as
  one prepared statement stepped per row, as fast as it writes; PostgreSQL would receive,
  parse and plan one statement per row (Django binds parameters on the client), so there the
  rows go in with COPY, which psycopg formats in C.
They send no signals and return no ids: callers look the rows up by a unique key.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection as default_connection
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


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """A datetime -> database value function for `connection`, giving exactly what the ORM
    gives. SQLite stores naive text in the connection's zone (UTC); Django gets there through
    make_naive and str(), which at a million values is a sizeable share of a run, so a
    datetime already in UTC on a UTC connection takes a direct route to the same text (its
    isoformat(" ") minus the "+00:00" suffix). Imported histories and a recompute's clocks
    repeat the same instants many times, so each is converted once."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite":
        return adapt
    utc_connection = connection.timezone is dt.UTC
    cache: dict[dt.datetime, str] = {}

    def adapt_for_sqlite(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            pass
        if utc_connection and value.tzinfo is dt.UTC:
            text = value.isoformat(" ")[:-6]
        else:
            text = adapt(value)
        if len(cache) < 1_000_000:
            cache[value] = text
        return text

    return adapt_for_sqlite


def _converter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    internal_type = field.get_internal_type()
    if internal_type in _PLAIN_TYPES:
        return lambda value: value
    if internal_type == "DateTimeField":
        return datetime_adapter(connection)
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, batch_size: int = 5000
) -> None:
    """INSERT `rows` (column values by attname, every concrete field but the automatic
    primary key) in the caller's transaction."""
    if not rows:
        return
    connection = transaction.get_connection()
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.get_internal_type().endswith("AutoField"))
    ]
    columns = [(field.attname, _converter(field, connection)) for field in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(
                sql,
                [
                    tuple(convert(row[attname]) for attname, convert in columns)
                    for row in rows[start : start + batch_size]
                ],
            )


# -- tuples of named fields: insert_values, update_values -------------------------------------


def _field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    quote = default_connection.ops.quote_name
    return [quote(_field(model, name).column) for name in names]


def _adapted_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[list[Any]]:
    """Rows with their datetimes adapted for the database (`datetime_adapter`); the other
    values (ints, text, booleans) go to the driver as they are. Going through each field's
    get_db_prep_value costs more than the write itself."""
    adapt = datetime_adapter(default_connection)
    # Half the datetimes of a recompute batch are the same objects (computed_at is the run's
    # `now`, both clocks of an incident start when it opened): each is adapted once, looked
    # up here rather than through a call per value.
    adapted_datetimes: dict[dt.datetime, Any] = {}
    positions = [
        position
        for position, name in enumerate(names)
        if isinstance(_field(model, name), models.DateTimeField)
    ]
    adapted = []
    for row in rows:
        values = list(row)
        for position in positions:
            value = values[position]
            if value is not None:
                text = adapted_datetimes.get(value)
                if text is None:
                    text = adapted_datetimes[value] = adapt(value)
                values[position] = text
        adapted.append(values)
    return adapted


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL: COPY `rows` into `table`; psycopg adapts each value as for a parameter."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows`, each the values of the fields `names` in that order (a foreign key by
    its name, its value the id), in the caller's transaction."""
    table = default_connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, names)
    with default_connection.cursor() as cursor:
        if default_connection.vendor == "postgresql":
            copy_rows(cursor, table, columns, rows)
            return
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(names))})",
            _adapted_rows(model, names, rows),
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
    quote = default_connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = _columns(model, (*names, "pk"))
    updated, id_column = columns[:-1], columns[-1]
    with default_connection.cursor() as cursor:
        if default_connection.vendor != "postgresql" or len(rows) < STAGED_UPDATE_ROWS:
            assignments = ", ".join(f"{column} = %s" for column in updated)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {id_column} = %s",
                _adapted_rows(model, (*names, "pk"), rows),
            )
            return
        staging = quote(f"{model._meta.db_table}_staged")
        with transaction.atomic():  # ON COMMIT DROP: the table lives in this transaction only
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
                f" SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            copy_rows(cursor, staging, columns, rows)
            assignments = ", ".join(f"{column} = staged.{column}" for column in updated)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {staging} AS staged"
                f" WHERE {table}.{id_column} = staged.{id_column}"
            )
            cursor.execute(f"DROP TABLE {staging}")  # another update may follow in this one
