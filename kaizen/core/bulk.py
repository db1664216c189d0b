"""Inserting many rows fast, for importers and other volume writers.

Django's bulk_create compiles and adapts every value through the ORM's SQL compiler, which
dominates the time of writing hundreds of thousands of rows. `insert_objects` writes unsaved
model instances with one parameterised INSERT run through `executemany`, converting only the
values that need it (dates, JSON, UUIDs) with the fields' own database preparation.
It sends no signals and returns no ids: callers look the rows up by a unique key if needed.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# Values of these fields go to the driver as they are on the instance.
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


def _reader(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[models.Model], Any]:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
    if field.get_internal_type() in _PLAIN_TYPES:
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def insert_objects(
    model: type[models.Model], objects: Sequence[models.Model], *, batch_size: int = 5000
) -> None:
    """INSERT `objects` (unsaved, without primary keys) in the caller's transaction."""
    if not objects:
        return
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.get_internal_type().endswith("AutoField"))
    ]
    connection = connections[DEFAULT_DB_ALIAS]
    readers = [_reader(field, connection) for field in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            chunk = objects[start : start + batch_size]
            cursor.executemany(sql, [tuple(read(obj) for read in readers) for obj in chunk])
