"""The change calendar as an iCalendar (RFC 5545) feed, written with the `icalendar` library:
one event per booked change (scheduled or implementing), and one per occurrence of a blackout,
from FEED_DAYS_BEFORE days ago to FEED_DAYS_AFTER days ahead unless the filters give dates.

Each change's UID is its number, and SEQUENCE its version, so a calendar client updates the
event it has when the change moves rather than adding another.
"""

import datetime as dt

import icalendar
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kaizen.changes.calendar_filters import CalendarListFilter, local_midnight, windows_for_filter
from kaizen.changes.calendar_windows import window_intervals
from kaizen.changes.models import WindowKind
from kaizen.changes.services.conflicts import booked_between
from kaizen.people.models import User

FEED_DAYS_BEFORE = 30
FEED_DAYS_AFTER = 180
PRODID = "-//Kaizen//Change calendar//EN"


def feed_range(filterset: CalendarListFilter) -> tuple[dt.datetime, dt.datetime]:
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    today = timezone.localdate()
    first = data.get("start") or today - dt.timedelta(days=FEED_DAYS_BEFORE)
    last = data.get("end") or today + dt.timedelta(days=FEED_DAYS_AFTER)
    return local_midnight(first), local_midnight(last + dt.timedelta(days=1))


def build_feed(request: HttpRequest, filterset: CalendarListFilter, user: User) -> bytes:
    start, end = feed_range(filterset)
    valid = filterset.is_bound and filterset.is_valid()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Kaizen change calendar")
    now = timezone.now()
    seen: set[int] = set()
    for part in booked_between(start, end):
        rows = filterset.filter_queryset(part) if valid else part
        changes = rows.select_related("implementer", "assignment_group").prefetch_related(
            "services", "configuration_items"
        )
        for change in changes.order_by("planned_start", "pk"):
            if change.pk in seen:
                continue
            seen.add(change.pk)
            event = icalendar.Event()
            event.add("uid", f"{change.number}@kaizen-changes")
            event.add("sequence", change.version)
            event.add("dtstamp", now)
            event.add("last-modified", change.updated_at)
            event.add("dtstart", change.planned_start)
            event.add("dtend", change.planned_end)
            event.add("summary", f"{change.number} {change.title}")
            event.add("status", "CONFIRMED")
            event.add("categories", ["Change", change.get_state_display()])
            url = request.build_absolute_uri(change.get_absolute_url())
            event.add("url", url)
            lines = [
                f"State: {change.get_state_display()}",
                f"Type: {change.get_change_type_display()}",
                f"Risk: {change.get_risk_display()}",
            ]
            services = ", ".join(s.name for s in change.services.all())
            cis = ", ".join(ci.name for ci in change.configuration_items.all())
            if services:
                lines.append(f"Services: {services}")
            if cis:
                lines.append(f"Configuration items: {cis}")
            if change.assignment_group:
                lines.append(f"Team: {change.assignment_group}")
            if change.implementer:
                lines.append(f"Implementer: {change.implementer}")
            lines.append(url)
            event.add("description", "\n".join(lines))
            calendar.add_component(event)
    for window in windows_for_filter(filterset).filter(kind=WindowKind.BLACKOUT):
        for begin, finish in window_intervals(window, start, end):
            event = icalendar.Event()
            event.add("uid", f"blackout-{window.pk}-{begin:%Y%m%dT%H%M%SZ}@kaizen-changes")
            event.add("sequence", window.version)
            event.add("dtstamp", now)
            event.add("dtstart", begin)
            event.add("dtend", finish)
            event.add("summary", f"Blackout: {window.name}")
            event.add("transp", "TRANSPARENT")
            event.add("categories", ["Blackout"])
            scope = (
                "All services"
                if window.all_services
                else ", ".join(s.name for s in window.services.all())
            )
            event.add("description", f"No changes: {scope}. {window.note}".strip())
            calendar.add_component(event)
    return calendar.to_ical()


def feed_response(request: HttpRequest, filterset: CalendarListFilter, user: User) -> HttpResponse:
    response = HttpResponse(
        build_feed(request, filterset, user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="kaizen-changes.ics"'
    # A secret address: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
