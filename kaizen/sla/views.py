"""Service level pages: business calendars and SLA definitions.

Each view: authenticate, fetch through a selector (404 for what the user may not see), ask
kaizen.sla.permissions (403), validate, call one config service.
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.core.forms import conflict_status, detached
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.models import Team
from kaizen.sla import services
from kaizen.sla.filters import CalendarFilter, DefinitionFilter
from kaizen.sla.forms import (
    BetweenForm,
    CalendarForm,
    ClosureFormSet,
    DefinitionForm,
    DueForm,
    EscalationFormSet,
    PeriodFormSet,
    closure_initial,
    escalation_initial,
    period_initial,
    run_service_with_rows,
)
from kaizen.sla.kinds import kind_choices
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.permissions import can_manage_service_levels, can_view_service_levels
from kaizen.sla.selectors import (
    calendar_list_for,
    calendars_for,
    definition_list_for,
    definitions_for,
    upcoming_holidays,
)
from kaizen.sla.targets import calendar_index
from kaizen.sla.templatetags.sla import describe_definition, escalation_words, week_rows

CALENDAR_SORTS = {
    "name": "name",
    "zone": "time_zone",
    "holidays": "holiday_country",
    "definitions": "definition_count",
    "updated": "updated_at",
}
DEFINITION_SORTS = {
    "kind": "precedence",  # response before resolution, then by order: how they are matched
    "name": "name",
    "target": "target_minutes",
    "calendar": "calendar__name",
    "order": "order",
    "active": "is_active",
    "updated": "updated_at",
}
MICROSECONDS_PER_MINUTE = 60_000_000


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_service_levels(request.user):
        raise PermissionDenied("Calendars and SLA definitions are for agents.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_service_levels(request.user):
        raise PermissionDenied("Only service level owners and managers change these.")


# -- business calendars -----------------------------------------------------------------------


@login_required
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        calendar_list_for(request.user),
        CalendarFilter,
        sort_fields=CALENDAR_SORTS,
        default_sort="name",
    )
    return render(
        request,
        "sla/calendar_list.html",
        {**listing.context(), "can_create": can_manage_service_levels(request.user)},
    )


def _calendar_for(request: HttpRequest, slug: str) -> BusinessCalendar:
    return get_object_or_404(calendars_for(request.user), slug=slug)


def _calculate(calendar: BusinessCalendar, request: HttpRequest) -> dict[str, Any]:
    """The "try it" box: both calculators read the query string, in the calendar's zone."""
    zone = ZoneInfo(calendar.time_zone)
    asked = request.GET
    with timezone.override(zone):  # naive date-times typed in are local to the calendar
        due_form = DueForm(asked if "due-start" in asked else None, prefix="due")
        between_form = BetweenForm(asked if "between-start" in asked else None, prefix="between")
        due_valid, between_valid = due_form.is_valid(), between_form.is_valid()
    result: dict[str, Any] = {"due_form": due_form, "between_form": between_form}
    try:
        index = calendar_index(calendar)
        if due_valid:
            start = due_form.cleaned_data["start"]
            amount = due_form.cleaned_data["minutes"] * MICROSECONDS_PER_MINUTE
            result["due"] = index.instant_reaching(start, amount).astimezone(zone)
        if between_valid:
            start, end = between_form.cleaned_data["start"], between_form.cleaned_data["end"]
            result["business_us"] = index.business_us(start, end)
            result["business_minutes"] = result["business_us"] // MICROSECONDS_PER_MINUTE
    except ValueError as exc:  # a calendar without working time reaches nothing
        result["calculator_error"] = str(exc)
    return result


@login_required
@require_GET
def calendar_detail(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = _calendar_for(request, slug)
    context = {
        "calendar": calendar,
        "week": week_rows(calendar),
        "closures": calendar.closures.all(),
        "holidays": upcoming_holidays(calendar),
        # "response" sorts after "resolution": descending puts the response targets first.
        "definitions": calendar.definitions.order_by("-kind", "order", "name"),
        "can_edit": can_manage_service_levels(request.user),
        "timeline": timeline_for(calendar),
        **_calculate(calendar, request),
    }
    return render(request, "sla/calendar_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    calendar = _calendar_for(request, slug) if slug else None
    _require_manager(request)
    data = request.POST if request.method == "POST" else None
    form = CalendarForm(data, instance=detached(calendar) if calendar else None)
    # Posted rows are bound without initial values (see RowFormSet).
    periods = PeriodFormSet(
        data, prefix="periods", initial=None if data is not None else period_initial(calendar)
    )
    closures = ClosureFormSet(
        data, prefix="closures", initial=None if data is not None else closure_initial(calendar)
    )
    if data is not None and all([form.is_valid(), periods.is_valid(), closures.is_valid()]):
        rows = {
            "periods": periods,
            "weekday": periods,
            "start_time": periods,
            "end_time": periods,
            "closures": closures,
        }
        fields = {
            **form.calendar_fields(),
            "periods": periods.periods(),
            "closures": closures.closures(),
        }
        if calendar:
            saved = run_service_with_rows(
                form,
                rows,
                services.do_update_calendar,
                calendar,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.remeasure(),
                **fields,
            )
        else:
            saved = run_service_with_rows(
                form, rows, services.do_create_calendar, actor=request.user, **fields
            )
        if saved:
            messages.success(request, f"Calendar {saved} saved.")
            return redirect(saved)
    return render(
        request,
        "sla/calendar_form.html",
        {"form": form, "periods": periods, "closures": closures, "calendar": calendar},
        status=conflict_status(form),
    )


# -- SLA definitions --------------------------------------------------------------------------


@login_required
@require_GET
def definition_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        definition_list_for(request.user),
        DefinitionFilter,
        sort_fields=DEFINITION_SORTS,
        default_sort="kind",
    )
    return render(
        request,
        "sla/definition_list.html",
        {**listing.context(), "can_create": can_manage_service_levels(request.user)},
    )


def _definition_for(request: HttpRequest, pk: int) -> SLADefinition:
    return get_object_or_404(definitions_for(request.user), pk=pk)


def _team_names(definition: SLADefinition) -> dict[str, str]:
    slugs = [step.get("team") for step in definition.escalations if step.get("team")]
    if not slugs:
        return {}
    return dict(Team.objects.filter(slug__in=slugs).values_list("slug", "name"))


@login_required
@require_GET
def definition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    definition = _definition_for(request, pk)
    team_names = _team_names(definition)
    escalations = sorted(definition.escalations, key=lambda step: step.get("at", 0))
    return render(
        request,
        "sla/definition_detail.html",
        {
            "definition": definition,
            "summary": describe_definition(definition, team_names),
            "ticket_kind": dict(kind_choices()).get(definition.ticket_kind, definition.ticket_kind),
            "escalations": [escalation_words(step, team_names) for step in escalations],
            "can_edit": can_manage_service_levels(request.user),
            "timeline": timeline_for(definition),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    definition = _definition_for(request, pk) if pk else None
    _require_manager(request)
    data = request.POST if request.method == "POST" else None
    form = DefinitionForm(data, instance=detached(definition) if definition else None)
    escalations = EscalationFormSet(
        data,
        prefix="escalations",
        initial=None if data is not None else escalation_initial(definition),
    )
    if data is not None and all([form.is_valid(), escalations.is_valid()]):
        fields = {**form.definition_fields(), "escalations": escalations.steps()}
        rows = {"escalations": escalations}
        if definition:
            saved = run_service_with_rows(
                form,
                rows,
                services.do_update_sla_definition,
                definition,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.remeasure(),
                **fields,
            )
        else:
            saved = run_service_with_rows(
                form, rows, services.do_create_sla_definition, actor=request.user, **fields
            )
        if saved:
            messages.success(request, f"SLA definition {saved} saved.")
            return redirect(saved)
    return render(
        request,
        "sla/definition_form.html",
        {"form": form, "escalations": escalations, "definition": definition},
        status=conflict_status(form),
    )
