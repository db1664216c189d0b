"""The change calendar: month, week and list views, windows, conflicts, the iCalendar feed
(pages).

Agents and CAB members see the calendar; change managers and administrators edit the windows;
agents acknowledge a change's conflicts; requesters get 403. Writes go to
kaizen.changes.services.calendar and .conflicts (journaled there).
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.changes.calendar_feed import feed_response
from kaizen.changes.calendar_filters import (
    CalendarFilter,
    CalendarListFilter,
    local_midnight,
    windows_for_filter,
)
from kaizen.changes.calendar_forms import AcknowledgeForm, PlanForm, WindowForm
from kaizen.changes.calendar_grid import (
    booked_spans,
    build_days,
    count_between,
    month_bounds,
    weeks,
)
from kaizen.changes.models import (
    CalendarFeedToken,
    Change,
    ChangeWindow,
    ConflictAcknowledgement,
)
from kaizen.changes.permissions import (
    can_acknowledge_conflicts,
    can_manage_change_windows,
    can_view_change_calendar,
)
from kaizen.changes.services import calendar as calendar_services
from kaizen.changes.services.conflicts import (
    BOOKED_STATES,
    PLANNING_STATES,
    do_acknowledge_conflict,
    find_conflicts,
)
from kaizen.core.forms import run_service
from kaizen.core.listing import list_page
from kaizen.core.times import local_text
from kaizen.core.widgets import speed_up_selects
from kaizen.journal.selectors import timeline_for

# How many changes a month cell and a week column show before "+N more".
MONTH_PER_DAY = 3
WEEK_PER_DAY = 25


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_change_calendar(request.user):
        raise PermissionDenied("The change calendar is for agents and CAB members.")


def _require_window_manager(request: HttpRequest) -> None:
    if not can_manage_change_windows(request.user):
        raise PermissionDenied("Change managers and administrators edit the windows.")


def _filters(
    request: HttpRequest, filter_class: type[CalendarFilter] = CalendarFilter
) -> CalendarFilter:
    filterset = filter_class(request.GET or None, queryset=Change.objects.all(), request=request)
    speed_up_selects(filterset.form)
    for field in filterset.form.fields.values():
        css = "form-select" if hasattr(field, "queryset") else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")
    return filterset


def _narrow(filterset: CalendarFilter):
    valid = filterset.is_bound and filterset.is_valid()
    return lambda queryset: filterset.filter_queryset(queryset) if valid else queryset


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _parse_date(text: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return default


def _calendar_context(request: HttpRequest, view: str, filterset: CalendarFilter) -> dict[str, Any]:
    return {
        "filter": filterset,
        "view": view,
        "filters_query": _query_without(request, "month", "week", "start", "end", "page"),
        "can_manage_windows": can_manage_change_windows(request.user),
        "list_url": reverse("changes:calendar_list"),
    }


@login_required
@require_GET
def calendar_month(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    today = timezone.localdate()
    month = _parse_date(request.GET.get("month", "") + "-01", today)
    first, last, grid_first, grid_last = month_bounds(month)
    filterset = _filters(request)
    month_start, month_end = local_midnight(first), local_midnight(last + dt.timedelta(days=1))
    spans = booked_spans(
        local_midnight(grid_first),
        local_midnight(grid_last + dt.timedelta(days=1)),
        _narrow(filterset),
    )
    days = build_days(
        grid_first,
        grid_last,
        spans,
        windows_for_filter(filterset),
        per_day=MONTH_PER_DAY,
        period=(first, last),
    )
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    context = {
        **_calendar_context(request, "month", filterset),
        "month": first,
        "keep": {"month": first.strftime("%Y-%m")},
        "weeks": weeks(days),
        "previous": previous.strftime("%Y-%m"),
        "following": following.strftime("%Y-%m"),
        "this_month": today.strftime("%Y-%m"),
        "total": count_between(spans, month_start, month_end),
    }
    return render(request, "changes/calendar/month.html", context)


@login_required
@require_GET
def calendar_week(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    day = _parse_date(request.GET.get("week", ""), timezone.localdate())
    monday = day - dt.timedelta(days=day.weekday())
    sunday = monday + dt.timedelta(days=6)
    filterset = _filters(request)
    spans = booked_spans(
        local_midnight(monday), local_midnight(sunday + dt.timedelta(days=1)), _narrow(filterset)
    )
    days = build_days(monday, sunday, spans, windows_for_filter(filterset), per_day=WEEK_PER_DAY)
    context = {
        **_calendar_context(request, "week", filterset),
        "days": days,
        "keep": {"week": monday.isoformat()},
        "monday": monday,
        "sunday": sunday,
        "previous": (monday - dt.timedelta(days=7)).isoformat(),
        "following": (monday + dt.timedelta(days=7)).isoformat(),
        "this_week": timezone.localdate().isoformat(),
    }
    return render(request, "changes/calendar/week.html", context)


def _list_rows(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("assignment_group", "implementer")


@login_required
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    params = request.GET.copy()
    if not params.get("start") and not params.get("end"):
        # Without a range: from today on.
        params["start"] = timezone.localdate().isoformat()
        request.GET = params
    listing = list_page(
        request,
        Change.objects.filter(state__in=BOOKED_STATES),
        CalendarListFilter,
        sort_fields={"start": "planned_start", "number": "number", "end": "planned_end"},
        default_sort="start",
        page_rows=_list_rows,
    )
    context = {**listing.context(), **_calendar_context(request, "list", listing.filterset)}
    return render(request, "changes/calendar/list.html", context)


# Windows


@login_required
@require_GET
def window_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    windows = ChangeWindow.objects.prefetch_related("services").order_by("kind", "name", "pk")
    context = {
        "windows": windows,
        "can_manage_windows": can_manage_change_windows(request.user),
        "view": "windows",
    }
    return render(request, "changes/calendar/window_list.html", context)


def _initial(window: ChangeWindow) -> dict[str, Any]:
    initial = {name: getattr(window, name) for name in calendar_services.WINDOW_FIELDS}
    initial["services"] = list(window.services.all())
    # A one-off window keeps no time zone; the form offers the site's should it turn weekly.
    initial["time_zone"] = window.time_zone or settings.TIME_ZONE
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def window_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_window_manager(request)
    form = WindowForm(request.POST or None, initial={"kind": request.GET.get("kind", "blackout")})
    if request.method == "POST" and form.is_valid():
        fields, services = form.service_values()
        window = run_service(
            form,
            calendar_services.do_create_window,
            actor=request.user,
            services=services,
            **fields,
        )
        if window:
            messages.success(request, f"Window {window} created.")
            return redirect("changes:window_list")
    return render(request, "changes/calendar/window_form.html", {"form": form, "window": None})


@login_required
@require_http_methods(["GET", "POST"])
def window_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    window = get_object_or_404(ChangeWindow, pk=pk)
    if request.method == "GET" and not can_manage_change_windows(request.user):
        # Readers see the window and its history, without the form.
        context = {"window": window, "form": None, "timeline": timeline_for(window)}
        return render(request, "changes/calendar/window_form.html", context)
    _require_window_manager(request)
    form = WindowForm(request.POST or None, initial=_initial(window))
    if request.method == "POST" and form.is_valid():
        fields, services = form.service_values()
        saved = run_service(
            form,
            calendar_services.do_update_window,
            window,
            actor=request.user,
            services=services,
            **fields,
        )
        if saved:
            messages.success(request, f"Window {saved} saved.")
            return redirect("changes:window_list")
    context = {"form": form, "window": window, "timeline": timeline_for(window)}
    return render(request, "changes/calendar/window_form.html", context)


@login_required
@require_POST
def window_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    window = get_object_or_404(ChangeWindow, pk=pk)
    _require_window_manager(request)
    calendar_services.do_delete_window(window, actor=request.user)
    messages.success(request, f"Window {window} deleted.")
    return redirect("changes:window_list")


# Conflicts on the change page


def _duration_text(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} hour{'s' if hours != 1 else ''}" if hours else "",
        f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "no time"


def window_in_words(start: dt.datetime, end: dt.datetime) -> str:
    """ "Mon 9 Mar 2026, 10:00 to 12:00 (2 hours)"; the end's date only when it differs."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() == local_end.date():
        until = f"{local_end:%H:%M}"
    else:
        until = local_text(end, "weekday")
    return f"{local_text(start, 'weekday')} to {until} ({_duration_text(end - start)})"


def _proposed_plan(request: HttpRequest, change: Change) -> PlanForm | None:
    if "plan_start" not in request.GET:
        return None
    form = PlanForm(
        {"planned_start": request.GET.get("plan_start"), "planned_end": request.GET.get("plan_end")}
    )
    form.is_valid()
    return form


def schedule_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_schedule_panel.html on the change page: the planned window in
    words, its conflicts with what they are with and their acknowledgements, and (with
    ?plan_start=&plan_end=) the conflicts of another window to try before editing."""
    user = request.user
    plan_form = _proposed_plan(request, change)
    proposed: dict[str, Any] = {}
    if plan_form is not None and plan_form.is_valid():
        proposed = dict(plan_form.cleaned_data)
    start = proposed.get("planned_start", change.planned_start)
    end = proposed.get("planned_end", change.planned_end)
    conflicts = find_conflicts(change, **proposed) if start and end else []
    acknowledgeable = change.state in PLANNING_STATES and can_acknowledge_conflicts(user)
    rows = [
        {
            "conflict": conflict,
            "form": AcknowledgeForm(
                initial={"conflict": conflict.key, **proposed}, prefix=f"ack{index}"
            ),
        }
        for index, conflict in enumerate(conflicts)
    ]
    current = {c.acknowledgement.pk for c in conflicts if c.acknowledgement is not None}
    earlier = [
        ack
        for ack in ConflictAcknowledgement.objects.filter(change=change).select_related(
            "acknowledged_by"
        )
        if ack.pk not in current
    ]
    return {
        "schedule": {
            "change": change,
            "window_text": window_in_words(start, end) if start and end else "",
            "proposed": bool(proposed),
            "plan_form": plan_form or PlanForm(),
            "rows": rows,
            "open_count": sum(1 for c in conflicts if c.acknowledgement is None),
            "acknowledgeable": acknowledgeable,
            "earlier": earlier,
            "action": reverse("changes:acknowledge_conflict", args=[change.number]),
            "calendar_url": reverse("changes:calendar_week")
            + (f"?week={timezone.localtime(start).date().isoformat()}" if start else ""),
        }
    }


@login_required
@require_POST
def acknowledge_conflict(request: HttpRequest, number: str) -> HttpResponse:
    _require_viewer(request)
    change = get_object_or_404(Change, number=number)
    if not can_acknowledge_conflicts(request.user):
        raise PermissionDenied("Agents working on changes acknowledge their conflicts.")
    prefix = next((key.split("-", 1)[0] for key in request.POST if key.endswith("-conflict")), None)
    form = AcknowledgeForm(request.POST, prefix=prefix)
    back = change.get_absolute_url()
    if form.is_valid():
        data = form.cleaned_data
        proposed = {name: data[name] for name in ("planned_start", "planned_end") if data.get(name)}
        acknowledgement = run_service(
            form,
            do_acknowledge_conflict,
            change,
            conflict=data["conflict"],
            reason=data["reason"],
            actor=request.user,
            **proposed,
        )
        if acknowledgement:
            messages.success(request, f"Conflict acknowledged: {acknowledgement.description}")
            if proposed:
                back += "?" + _plan_query(proposed)
            return redirect(back + "#schedule")
    errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
    messages.error(request, f"The conflict was not acknowledged. {errors}")
    return redirect(back + "#schedule")


def _plan_query(proposed: dict[str, dt.datetime]) -> str:
    return urlencode(
        {
            "plan_start": timezone.localtime(proposed["planned_start"]).strftime("%Y-%m-%dT%H:%M"),
            "plan_end": timezone.localtime(proposed["planned_end"]).strftime("%Y-%m-%dT%H:%M"),
        }
    )


# The iCalendar feed


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    secret = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_services.do_revoke_calendar_feed(request.user, actor=request.user)
            messages.success(request, "Your calendar feed address no longer works.")
            return redirect("changes:calendar_feed")
        _token, secret = calendar_services.do_create_calendar_feed(request.user, actor=request.user)
    active = CalendarFeedToken.objects.filter(user=request.user, revoked_at=None).first()
    feed_url = (
        request.build_absolute_uri(reverse("changes:calendar_ics", args=[secret])) if secret else ""
    )
    context = {"active": active, "feed_url": feed_url, "view": "feed"}
    return render(request, "changes/calendar/feed.html", context)


@require_GET
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session, the secret in the address is the credential. A revoked or
    unknown secret, or a person who may no longer see the calendar, is a 404."""
    user = calendar_services.feed_user(token)
    if user is None or not user.is_active or not can_view_change_calendar(user):
        raise Http404("No such calendar feed.")
    filterset = CalendarListFilter(request.GET or None, queryset=Change.objects.all())
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(
            "; ".join(f"{f}: {' '.join(e)}" for f, e in filterset.errors.items()),
            status=400,
            content_type="text/plain",
        )
    # Days and the blackouts' local dates in the feed's owner's time zone, as on their pages.
    with timezone.override(user.time_zone or settings.TIME_ZONE):
        return feed_response(request, filterset, user)
