"""Inserting many rows fast, for importers and other volume writers.

Django's bulk_create builds a model instance per row and compiles every value through the
ORM's SQL compiler, which dominates the time of writing hundreds of thousands of rows.
`insert_rows` writes plain dicts of column values (by attname) with one parameterised INSERT
run through `executemany`, converting only the values that need it (dates, JSON, UUIDs).
It sends no signals and returns no ids: callers look the rows up by a unique key.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
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


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """A datetime -> database value function for `connection`. SQLite stores naive UTC text;
    imported histories repeat the same instants many times, so each is converted once."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    cache: dict[dt.datetime, str] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            text = connection.ops.adapt_datetimefield_value(value)
            if len(cache) < 1_000_000:
                cache[value] = text
            return text

    return adapt


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
