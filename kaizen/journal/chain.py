"""The journal's hash chain: each event's hash covers its content and the previous event's hash,
so an event edited, removed or slipped in between others breaks the chain from that point on.

An event's hash is SHA-256 over a canonical JSON array (`json.dumps` with sorted keys and no
spaces): the chain's version, the previous event's hash ("" before the first event), and the
event's time (UTC, to the microsecond), type, actor (id and name), subject (its content type as
"app_label.model", id and name), changes, data and correlation id. The id is not in it: bulk
writers learn ids only after the insert; the chain itself fixes each event's place.

Appending is serialised so that two writers never chain onto the same event: on PostgreSQL
`journal_chain_head()` takes a transaction-level advisory lock and then reads the last event's
hash (a function so that the read gets a snapshot taken after the lock; migration 0005); the
lock is held until the writing transaction ends, so ids follow the chain. SQLite's immediate
transactions already let one writer in at a time, so there the read alone is enough.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

# Bump when what is hashed changes; the chain's hashes then name the rule that made them.
CHAIN_VERSION = 1

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def instant(value: dt.datetime) -> str:
    """The canonical text of an event's time: UTC to the microsecond."""
    if value.tzinfo is not dt.UTC:  # the common case (times read back, importers) skips this
        if timezone.is_naive(value):  # Django stores a naive time as one in the default zone
            value = timezone.make_aware(value, timezone.get_default_timezone())
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def event_hash(
    previous_hash: str,
    *,
    occurred_at: dt.datetime,
    event_type: str,
    actor_id: int | None,
    actor_repr: str,
    subject_type: str,
    subject_id: str,
    subject_repr: str,
    changes: Mapping[str, Any],
    data: Mapping[str, Any],
    correlation_id: Any,
) -> str:
    """The hex SHA-256 of one event chained onto `previous_hash`."""
    content = [
        CHAIN_VERSION,
        previous_hash,
        instant(occurred_at),
        str(event_type),
        actor_id,
        actor_repr,
        subject_type,
        subject_id,
        subject_repr,
        changes,
        data,
        str(correlation_id),
    ]
    return hashlib.sha256(_dumps(content).encode()).hexdigest()


def lock_head(connection: BaseDatabaseWrapper) -> str:
    """The hash of the last event, with the right to append after it until the transaction
    ends (one query). Must run inside the writing transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT journal_chain_head()")
        else:
            cursor.execute("SELECT chain_hash FROM journal_journalevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0] if row else "") or ""


# PostgreSQL: the chain lock's key (any constant no other advisory lock uses: "KZJOURNAL").
CHAIN_LOCK_KEY = 0x4B5A4A4F55524E4C
