"""Availability pages: the overview of every service, the outage list, recording and working
an outage, a service's availability with its targets.

Each view: authenticate, ask kaizen.availability.permissions (403), fetch (404), validate a
form, call one service, redirect or re-render. Figures come from the selectors (the engine).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.analysis.charts import series_chart
from kaizen.availability.filters import OutageFilter
from kaizen.availability.forms import (
    AvailabilityTargetForm,
    ConfirmOutageForm,
    DismissOutageForm,
    EndOutageForm,
    OutageForm,
)
from kaizen.availability.models import AvailabilityTarget, Outage, OutageStatus
from kaizen.availability.permissions import (
    can_confirm_outages,
    can_record_outages,
    can_set_availability_targets,
    can_view_availability,
)
from kaizen.availability.selectors import (
    month_start,
    service_availability,
    services_availability,
)
from kaizen.availability.services import (
    do_confirm_outage,
    do_dismiss_outage,
    do_end_outage,
    do_record_outage,
    do_set_availability_target,
    do_update_outage,
)
from kaizen.catalog.models import Service
from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.core.forms import detached, page_status, run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.permissions import can_view_timeline

SORTS = {
    "number": "number",
    "service": "service__name",
    "started": "started_at",
    "ended": "ended_at",
    "status": "status",
    "kind": "kind",
}
LIST_RELATED = ("service", "offering", "configuration_item")
MONTHS_SHOWN = 12


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_availability(request.user):
        raise PermissionDenied("Availability is for agents.")


def _outage_for(request: HttpRequest, number: str) -> Outage:
    _require_viewer(request)
    return get_object_or_404(
        Outage.objects.select_related(*LIST_RELATED, "service__owner", "confirmed_by"),
        number=number,
    )


def _require_confirmer(request: HttpRequest, outage: Outage) -> None:
    if not can_confirm_outages(request.user, outage.service):
        raise PermissionDenied(
            "Service level managers and the service's owner confirm and correct its outages."
        )


# -- the overview ----------------------------------------------------------------------------


def overview_rows(now: dt.datetime) -> list[dict[str, Any]]:
    """Every service with a target or an outage: last month's and this month's figures, its
    ongoing outages and how many proposals wait. A fixed number of queries for all services
    (plus the maintenance windows of a service with planned work in the two months)."""
    services = list(
        Service.objects.filter(
            Q(pk__in=AvailabilityTarget.objects.values("service_id"))
            | Q(pk__in=Outage.objects.values("service_id"))
        ).order_by("name")
    )
    figures = services_availability(services, month_start(now, 1), now, now=now, by_month=True)
    ongoing: dict[int, list[Outage]] = {service.pk: [] for service in services}
    for outage in Outage.objects.filter(ended_at__isnull=True).exclude(
        status=OutageStatus.DISMISSED
    ):
        ongoing.setdefault(outage.service_id, []).append(outage)
    waiting = dict(
        Outage.objects.filter(status=OutageStatus.PROPOSED)
        .values_list("service_id")
        .annotate(count=Count("pk"))
        .values_list("service_id", "count")
    )
    rows = []
    for service in services:
        availability = figures[service.pk]
        last, this = (availability.months + [None, None])[:2]
        rows.append(
            {
                "service": service,
                "has_target": availability.has_target,
                "last": last,
                "this": this,
                "ongoing": ongoing.get(service.pk, []),
                "waiting": waiting.get(service.pk, 0),
            }
        )
    return rows


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    now = timezone.now()
    rows = overview_rows(now)
    context = {
        "rows": rows,
        "this_month": month_start(now),
        "last_month": month_start(now, 1),
        "waiting": sum(row["waiting"] for row in rows),
        "ongoing": sum(len(row["ongoing"]) for row in rows),
        "can_record": can_record_outages(request.user),
    }
    return render(request, "availability/overview.html", context)


# -- outages ---------------------------------------------------------------------------------


@login_required
@require_GET
def outage_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        Outage.objects.select_related(*LIST_RELATED),
        OutageFilter,
        sort_fields=SORTS,
        default_sort="-started",
    )
    context = listing.context()
    context["waiting"] = Outage.objects.filter(status=OutageStatus.PROPOSED).count()
    context["showing_waiting"] = request.GET.get("status") == OutageStatus.PROPOSED
    context["can_record"] = can_record_outages(request.user)
    return render(request, "availability/outage_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def outage_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    if not can_record_outages(request.user):
        raise PermissionDenied("Agents record outages.")
    initial: dict[str, Any] = {}
    service_slug = request.GET.get("service", "")
    if service_slug:
        initial["service"] = Service.objects.filter(slug=service_slug).first()
    form = OutageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        confirmed = can_confirm_outages(request.user, data["service"])
        outage = run_service(
            form, do_record_outage, actor=request.user, confirmed=confirmed, **data
        )
        if outage:
            messages.success(
                request,
                f"{outage.number} recorded."
                if confirmed
                else f"{outage.number} proposed: it counts once a service level manager "
                "confirms it.",
            )
            return redirect(outage)
    context = {"form": form, "outage": None}
    return render(request, "availability/outage_form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def outage_edit(request: HttpRequest, number: str) -> HttpResponse:
    outage = _outage_for(request, number)
    _require_confirmer(request, outage)
    if outage.status == OutageStatus.DISMISSED:
        raise PermissionDenied(f"{outage.number} was dismissed: that is final.")
    form = OutageForm(request.POST or None, instance=detached(outage))
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form, do_update_outage, outage, actor=request.user, expected_version=version, **fields
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    context = {"form": form, "outage": outage}
    return render(request, "availability/outage_form.html", context, status=page_status(form))


def _cause(outage: Outage) -> Any:
    if outage.cause_kind in ("incident", "change") and outage.cause_reference:
        return tickets_numbered(outage.cause_kind, [outage.cause_reference]).get(
            outage.cause_reference
        )
    return None


def _render_outage(request: HttpRequest, outage: Outage, **forms: Any) -> HttpResponse:
    may_confirm = can_confirm_outages(request.user, outage.service)
    proposed = outage.status == OutageStatus.PROPOSED
    context: dict[str, Any] = {
        "outage": outage,
        "cause": _cause(outage),
        "can_confirm": may_confirm and proposed,
        "can_edit": may_confirm and outage.status != OutageStatus.DISMISSED,
        "can_end": may_confirm and outage.is_ongoing and outage.status != OutageStatus.DISMISSED,
        "confirm_form": forms.get("confirm_form")
        or ConfirmOutageForm(
            initial={
                "version": outage.version,
                "started_at": timezone.localtime(outage.started_at),
                "ended_at": timezone.localtime(outage.ended_at) if outage.ended_at else None,
            }
        ),
        "dismiss_form": forms.get("dismiss_form")
        or DismissOutageForm(initial={"version": outage.version}),
        "end_form": forms.get("end_form") or EndOutageForm(),
    }
    if can_view_timeline(request.user):
        context["timeline"] = timeline_for(outage)
    status = page_status(*forms.values()) if forms else 200
    return render(request, "availability/outage_detail.html", context, status=status)


@login_required
@require_GET
def outage_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_outage(request, _outage_for(request, number))


def _outage_step(
    request: HttpRequest,
    number: str,
    form_class: type[forms.Form],
    form_name: str,
    step: Callable[..., Outage],
    said: str,
    arguments: Callable[[dict[str, Any]], dict[str, Any]],
) -> HttpResponse:
    """One of the confirmer's steps on an outage (confirm, dismiss, end): the form checked,
    the service run with what `arguments` takes from it, the page again with the form's errors
    when either refuses."""
    outage = _outage_for(request, number)
    _require_confirmer(request, outage)
    form = form_class(request.POST)
    if form.is_valid():
        done = run_service(form, step, outage, actor=request.user, **arguments(form.cleaned_data))
        if done:
            messages.success(request, f"{done.number} {said}")
            return redirect(done)
    return _render_outage(request, outage, **{form_name: form})


@login_required
@require_POST
def outage_confirm(request: HttpRequest, number: str) -> HttpResponse:
    return _outage_step(
        request,
        number,
        ConfirmOutageForm,
        "confirm_form",
        do_confirm_outage,
        "confirmed: it counts now.",
        lambda data: {
            "expected_version": data["version"],
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
        },
    )


@login_required
@require_POST
def outage_dismiss(request: HttpRequest, number: str) -> HttpResponse:
    return _outage_step(
        request,
        number,
        DismissOutageForm,
        "dismiss_form",
        do_dismiss_outage,
        "dismissed.",
        lambda data: {"expected_version": data["version"], "reason": data["reason"]},
    )


@login_required
@require_POST
def outage_end(request: HttpRequest, number: str) -> HttpResponse:
    return _outage_step(
        request,
        number,
        EndOutageForm,
        "end_form",
        do_end_outage,
        "ended.",
        lambda data: {"ended_at": data["ended_at"] or timezone.now()},
    )


# -- a service's availability -----------------------------------------------------------------


def availability_series(months: list[Any]) -> list[dict[str, Any]]:
    """The months as a chart's series: a month with no agreed service time has no value (a
    gap in the line, not a line drawn across it)."""
    return [
        {"period": figure.start.date().isoformat(), "value": figure.availability_percent}
        for figure in months
    ]


def availability_chart(months: list[Any], target: float | None) -> Any:
    """Availability by month, drawn as the analysis charts draw a series."""
    result = {
        "series": availability_series(months),
        "kpi": {"name": "Availability", "unit": "percent", "target": target},
        "period_kind": "month",
    }
    return series_chart(result, prefix="availability")


def _render_service(
    request: HttpRequest, service: Service, target_form: AvailabilityTargetForm | None = None
) -> HttpResponse:
    now = timezone.now()
    figures = service_availability(service, month_start(now, MONTHS_SHOWN - 1), now, by_month=True)
    numbers = [share.number for share in figures.whole.outages]
    outages = {
        outage.number: outage
        for outage in Outage.objects.filter(number__in=numbers).select_related(*LIST_RELATED)
    }
    targets = list(
        AvailabilityTarget.objects.filter(service=service)
        .select_related("calendar")
        .order_by("-valid_from")
    )
    today = timezone.localdate()
    in_force = next((target for target in targets if target.valid_from <= today), None)
    may_set = can_set_availability_targets(request.user)
    chart = availability_chart(figures.months, float(in_force.target_percent) if in_force else None)
    context = {
        "service": service,
        "figures": figures,
        "months": list(reversed(figures.months)),
        "this_month": figures.months[-1] if figures.months else None,
        "outages": [(outages.get(share.number), share) for share in figures.whole.outages],
        "targets": targets,
        "in_force": in_force,
        "chart": chart,
        "chart_svg": mark_safe(chart.svg) if chart else "",  # noqa: S308 (made from numbers)
        "ongoing": list(
            Outage.objects.filter(service=service, ended_at__isnull=True).exclude(
                status=OutageStatus.DISMISSED
            )
        ),
        "waiting": Outage.objects.filter(service=service, status=OutageStatus.PROPOSED).count(),
        "can_set_target": may_set,
        "target_form": target_form
        or (AvailabilityTargetForm(initial={"valid_from": today}) if may_set else None),
        "can_record": can_record_outages(request.user),
    }
    status = page_status(target_form) if target_form else 200
    return render(request, "availability/service.html", context, status=status)


@login_required
@require_GET
def service_page(request: HttpRequest, slug: str) -> HttpResponse:
    _require_viewer(request)
    return _render_service(request, get_object_or_404(Service, slug=slug))


@login_required
@require_POST
def set_target(request: HttpRequest, slug: str) -> HttpResponse:
    _require_viewer(request)
    service = get_object_or_404(Service, slug=slug)
    if not can_set_availability_targets(request.user):
        raise PermissionDenied("Service level managers set availability targets.")
    form = AvailabilityTargetForm(request.POST)
    if form.is_valid():
        target = run_service(
            form, do_set_availability_target, service, actor=request.user, **form.cleaned_data
        )
        if target:
            since = f"{target.valid_from:%-d %b %Y}"
            messages.success(request, f"Target of {target.target_percent} % set from {since}.")
            return redirect("availability:service", slug=service.slug)
    return _render_service(request, service, target_form=form)
