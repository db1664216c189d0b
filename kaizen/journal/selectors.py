"""Reading the journal: a record's timeline, the audit list, and the cursor feed."""

from django.db import connection, models
from django.db.models import Count, Max, Min

from kaizen.journal.models import JournalEvent, JournalEventQuerySet


def timeline_for(subject: models.Model, limit: int = 200) -> list[JournalEvent]:
    """Newest first, as shown on a record's page."""
    return list(
        JournalEvent.objects.for_subject(subject).select_related("actor").order_by("-id")[:limit]
    )


def audit_events() -> JournalEventQuerySet:
    return JournalEvent.objects.select_related("actor", "subject_type")


def _transaction_horizon() -> tuple[int, int | None]:
    """PostgreSQL: the lowest transaction id still in flight (xmin of our snapshot), and our
    own transaction id if we have one (our own writes are visible to us, so not held back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " pg_current_xact_id_if_assigned()::text::bigint"
        )
        horizon, own = cursor.fetchone()
    return horizon, own


def events_after(
    queryset: JournalEventQuerySet, cursor: int, limit: int
) -> tuple[list[JournalEvent], int]:
    """Events with id greater than `cursor`, oldest first, and the cursor to resume from.

    On PostgreSQL ids are handed out before commit, so a transaction that started earlier can
    commit an id lower than one already read. A consumer that kept only "the last id seen"
    would skip that event forever. We therefore stop at the first event written by a
    transaction that was still running when our snapshot was taken (txid >= xmin): everything
    before it is final, and it will be returned on a later call. SQLite has one writer at a
    time, so ids are committed in order there.
    """
    events = list(queryset.filter(id__gt=cursor).order_by("id")[:limit])
    if connection.vendor == "postgresql" and events:
        horizon, own = _transaction_horizon()
        for index, event in enumerate(events):
            if event.txid is not None and event.txid >= horizon and event.txid != own:
                events = events[:index]
                break
    next_cursor = events[-1].id if events else cursor
    return events, next_cursor


def committed_end() -> tuple[int, int]:
    """(cursor, events): where events_after, called from 0 until it returns nothing, would
    stop (before the first event of a PostgreSQL transaction still in flight), and how many
    events it would have returned; in a few queries instead of reading every event.

    Every event up to the cursor is committed, so a reader that takes the cursor now and later
    asks for the events after it misses none (the analytics rebuild, the SLA recompute's
    settled tickets)."""
    events = JournalEvent.objects.all()
    if connection.vendor == "postgresql":
        horizon, own = _transaction_horizon()
        held = JournalEvent.objects.filter(txid__gte=horizon)
        if own is not None:
            held = held.exclude(txid=own)
        first_held = held.aggregate(first=Min("id"))["first"]
        if first_held is not None:
            events = events.filter(id__lt=first_held)
    end = events.aggregate(cursor=Max("id"), events=Count("id"))
    return end["cursor"] or 0, end["events"]
