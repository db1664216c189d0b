"""Writes of the change calendar: blackout and maintenance windows, and the personal iCalendar
feed addresses. Each write is journaled in its transaction."""

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import Service
from kaizen.changes.calendar_windows import window_intervals
from kaizen.changes.models import (
    CalendarFeedToken,
    ChangeWindow,
    Recurrence,
    WindowKind,
)
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, m2m_change, record_event, to_journal_value
from kaizen.people.models import User, hash_token, validate_time_zone

WINDOW_FIELDS = (
    "kind",
    "name",
    "note",
    "all_services",
    "recurrence",
    "starts_at",
    "ends_at",
    "weekday",
    "start_time",
    "end_time",
    "time_zone",
    "valid_from",
    "valid_until",
    "is_active",
)
ONE_OFF_FIELDS = ("starts_at", "ends_at")
WEEKLY_FIELDS = ("weekday", "start_time", "end_time", "time_zone", "valid_from", "valid_until")
FEED_TOKEN_PREFIX = "kzcal_"


def check_window(window: ChangeWindow, services: list[Service]) -> None:
    """The rules between a window's fields, each error on the field to correct."""
    errors: dict[str, str] = {}
    if not window.name.strip():
        errors["name"] = "name the window, e.g. 'Year-end freeze'"
    if window.kind not in WindowKind.values:
        errors["kind"] = f"{window.kind!r} is not a window kind (blackout or maintenance)"
    if window.kind == WindowKind.MAINTENANCE and window.all_services:
        errors["all_services"] = "a maintenance window belongs to the services it names"
    if not window.all_services and not services:
        errors["services"] = "name the services the window is for" + (
            ", or make it a blackout for all services" if window.kind == "blackout" else ""
        )
    if window.recurrence == Recurrence.ONCE:
        if window.starts_at is None:
            errors["starts_at"] = "give the start of the window"
        if window.ends_at is None:
            errors["ends_at"] = "give the end of the window"
        elif window.starts_at is not None and window.ends_at <= window.starts_at:
            errors["ends_at"] = "the end must come after the start"
    elif window.recurrence == Recurrence.WEEKLY:
        if window.weekday is None or not 0 <= window.weekday <= 6:
            errors["weekday"] = "give the day of the week (0 = Monday to 6 = Sunday)"
        if window.start_time is None:
            errors["start_time"] = "give the local time the window starts"
        if window.end_time is None:
            errors["end_time"] = "give the local time the window ends"
        elif window.start_time is not None and window.end_time == window.start_time:
            errors["end_time"] = "the end time must differ from the start time"
        try:
            validate_time_zone(window.time_zone)
        except ValidationError:
            errors["time_zone"] = (
                f"{window.time_zone!r} is not a known time zone (e.g. Europe/London)"
            )
        if window.valid_from and window.valid_until and window.valid_until < window.valid_from:
            errors["valid_until"] = "the last date cannot come before the first"
    else:
        errors["recurrence"] = f"{window.recurrence!r} is not a recurrence (once or weekly)"
    if errors:
        raise ValidationError(errors)


def _clear_unused(values: dict[str, Any]) -> None:
    """A one-off window keeps no weekly fields and a weekly one no instants."""
    unused = WEEKLY_FIELDS if values.get("recurrence") == Recurrence.ONCE else ONE_OFF_FIELDS
    for name in unused:
        values[name] = "" if name == "time_zone" else None


def _window_values(window: ChangeWindow) -> dict[str, Any]:
    return {name: getattr(window, name) for name in WINDOW_FIELDS}


@transaction.atomic
def do_create_window(
    *,
    actor: User | None,
    services: Iterable[Service] = (),
    at: dt.datetime | None = None,
    **fields: Any,
) -> ChangeWindow:
    """A blackout or maintenance window; `fields` are WINDOW_FIELDS."""
    at = moment(at)
    unknown = set(fields) - set(WINDOW_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable on a window: {', '.join(sorted(unknown))}")
    fields.setdefault("recurrence", Recurrence.ONCE)
    _clear_unused(fields)
    window = ChangeWindow(created_at=at, updated_at=at, **fields)
    service_list = list(services)
    check_window(window, service_list)
    window.save()
    window.services.set(service_list)
    initial = {
        name: {"old": None, "new": to_journal_value(value)}
        for name, value in _window_values(window).items()
    }
    initial["services"] = {
        "old": [],
        "new": to_journal_value(sorted(service_list, key=lambda s: s.pk)),
    }
    record_event(
        EventType.CHANGE_WINDOW_CREATED, window, actor=actor, changes=initial, occurred_at=at
    )
    return window


@transaction.atomic
def do_update_window(
    window: ChangeWindow,
    *,
    actor: User | None,
    expected_version: int | None = None,
    services: Iterable[Service] | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> ChangeWindow:
    """Change a window's fields (and its services when given); nothing changed, no event."""
    at = moment(at)
    locked = ChangeWindow.objects.select_for_update().get(pk=window.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            {"version": f"{locked} was changed meanwhile (version {locked.version}): reload it"}
        )
    values = {**_window_values(locked), **fields}
    _clear_unused(values)
    changes = apply_changes(locked, values, WINDOW_FIELDS)
    old_services = list(locked.services.all())
    new_services = old_services if services is None else list(services)
    check_window(locked, new_services)
    service_change = m2m_change(old_services, new_services)
    if service_change:
        changes["services"] = service_change
        locked.services.set(new_services)
    if changes:
        locked.version += 1
        locked.updated_at = at
        locked.save()
        record_event(
            EventType.CHANGE_WINDOW_UPDATED, locked, actor=actor, changes=changes, occurred_at=at
        )
    return locked


@transaction.atomic
def do_delete_window(
    window: ChangeWindow, *, actor: User | None, at: dt.datetime | None = None
) -> None:
    """Remove a window; the journal keeps what it was."""
    at = moment(at)
    locked = ChangeWindow.objects.select_for_update().get(pk=window.pk)
    data = {name: to_journal_value(value) for name, value in _window_values(locked).items()}
    data["services"] = to_journal_value(list(locked.services.order_by("pk")))
    record_event(EventType.CHANGE_WINDOW_DELETED, locked, actor=actor, data=data, occurred_at=at)
    locked.delete()


@transaction.atomic
def do_create_calendar_feed(
    user: User, *, actor: User | None, at: dt.datetime | None = None
) -> tuple[CalendarFeedToken, str]:
    """A new secret feed address for `user` (the old one, if any, stops working). Returns the
    token and its secret, which is never retrievable again."""
    at = moment(at)
    for old in CalendarFeedToken.objects.select_for_update().filter(user=user, revoked_at=None):
        _revoke(old, actor=actor, at=at)
    raw = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = CalendarFeedToken.objects.create(
        user=user, prefix=raw[:12], key_hash=hash_token(raw), created_at=at
    )
    record_event(
        EventType.CALENDAR_FEED_CREATED,
        user,
        actor=actor,
        data={"prefix": token.prefix},
        occurred_at=at,
    )
    return token, raw


def _revoke(token: CalendarFeedToken, *, actor: User | None, at: dt.datetime) -> None:
    token.revoked_at = at
    token.save(update_fields=["revoked_at"])
    record_event(
        EventType.CALENDAR_FEED_REVOKED,
        token.user,
        actor=actor,
        data={"prefix": token.prefix},
        occurred_at=at,
    )


@transaction.atomic
def do_revoke_calendar_feed(
    user: User, *, actor: User | None, at: dt.datetime | None = None
) -> int:
    """Stop `user`'s feed address working; returns how many addresses were revoked (0 or 1)."""
    at = moment(at)
    tokens = list(CalendarFeedToken.objects.select_for_update().filter(user=user, revoked_at=None))
    for token in tokens:
        _revoke(token, actor=actor, at=at)
    return len(tokens)


def feed_user(raw: str) -> User | None:
    """The person whose active feed address has this secret, or None. Records the use at most
    once an hour (a calendar client polls often)."""
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    now = moment(None)
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(hours=1):
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def maintenance_intervals(
    service: Service, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The occurrences of the service's active maintenance windows that overlap [start, end):
    what availability reads (registered with kaizen.catalog.maintenance) to tell planned work
    inside an announced window from work outside one."""
    windows = ChangeWindow.objects.filter(
        is_active=True, kind=WindowKind.MAINTENANCE, services=service
    ).order_by("pk")
    return [interval for window in windows for interval in window_intervals(window, start, end)]


def maintenance_intervals_of(
    services: list[Service], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """maintenance_intervals of several services in one query, by service id (a window of
    several services is expanded once)."""
    links = (
        ChangeWindow.services.through.objects.filter(
            changewindow__is_active=True,
            changewindow__kind=WindowKind.MAINTENANCE,
            service__in=services,
        )
        .select_related("changewindow")
        .order_by("changewindow_id")
    )
    found: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    expanded: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for link in links:
        window = link.changewindow
        if window.pk not in expanded:
            expanded[window.pk] = window_intervals(window, start, end)
        found.setdefault(link.service_id, []).extend(expanded[window.pk])
    return found
