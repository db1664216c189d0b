"""KPI pages: the scorecard, a KPI's page, custom KPI form, external data upload.

Each view: authenticate, ask kaizen.kpis.permissions (403), fetch (404), validate, call one
service. Figures come from stored measurements, laid out by kaizen.kpis.series (every period of
the range shown, holes kept, unfinished periods "so far"); charts read them from a json_script
block.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import conflict_status, detached, run_service
from kaizen.journal.selectors import timeline_for
from kaizen.kpis import quality, series, services
from kaizen.kpis.collection import collect_recent
from kaizen.kpis.engine import EngineError
from kaizen.kpis.forms import CustomKPIForm, PageOptionsForm, PointsUploadForm
from kaizen.kpis.models import (
    CustomKPI,
    ExternalUpload,
    Measurement,
    MeasurementRun,
    RunScope,
    period_floor,
)
from kaizen.kpis.permissions import can_manage_kpis, can_record_kpi_data, can_view_kpis
from kaizen.kpis.presenting import QualityPanel, nothing_in, quality_panel
from kaizen.kpis.selectors import (
    SPARKLINE_PERIODS,
    Status,
    find_definition,
    kpi_status,
    latest_and_current,
    measure_now,
    scorecard,
    series_chart,
    stored_breakdown,
    stored_series,
)
from kaizen.kpis.sources import column_label
from kaizen.kpis.spec import KPIDefinition, Source
from kaizen.kpis.tasks import collect_history_task
from kaizen.kpis.templatetags.kpis import UNIT_SUFFIX
from kaizen.people.models import Process

MEASUREMENT_ROWS_SHOWN = 60
# A range asked for is cut to its last century, so that a typo in a year ("0012") does not lay
# out tens of thousands of periods.
MAX_SHOWN_SPAN = dt.timedelta(days=36_525)


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_kpis(request.user):
        raise PermissionDenied("KPIs are for agents and managers.")


def _definition_for(key: str) -> KPIDefinition:
    definition = find_definition(key)
    if definition is None:
        raise Http404("No such KPI.")
    return definition


def _is_external(definition: KPIDefinition) -> bool:
    return definition.measure is not None and definition.measure.source == Source.EXTERNAL


@login_required
@require_GET
def scorecard_page(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    options = PageOptionsForm(request.GET)
    period_kind, _ = options.options()
    groups = scorecard(period_kind)
    chart_data = {
        "series": {
            row.key: {**row.sparkline(), "suffix": UNIT_SUFFIX.get(row.definition.unit.value, "")}
            for group in groups
            for row in group.measurable
            if row.periods
        },
    }
    return render(
        request,
        "kpis/scorecard.html",
        {
            "groups": groups,
            "options": options,
            "period_kind": period_kind,
            "sparkline_periods": SPARKLINE_PERIODS,
            "chart_data": chart_data,
            "last_run": MeasurementRun.objects.filter(finished_at__isnull=False)
            .order_by("-started_at")
            .first(),
            "can_manage": can_manage_kpis(request.user),
        },
    )


def _shown_range(
    stored: list[Measurement], kind: str, options: PageOptionsForm
) -> tuple[dt.date, dt.date] | None:
    """The periods a KPI page shows: the range asked for, else where the data is (the first to
    the last period with a value); an open end of a range asked for is the data's."""
    asked_start, asked_end = options.date_range()
    data = series.data_range(stored)
    if asked_start is None and asked_end is None:
        return data
    first = period_floor(asked_start, kind) if asked_start else (data[0] if data else None)
    last = period_floor(asked_end, kind) if asked_end else (data[1] if data else None)
    if first is None or last is None:
        first = first or last
        last = last or first
    if first is None or last is None or last < first:
        return None
    return period_floor(max(first, last - MAX_SHOWN_SPAN), kind), last


def _breakdown(
    definition: KPIDefinition, kind: str, dimension: str, period: series.Period
) -> tuple[list[dict[str, Any]], bool]:
    """The values by `dimension` in one period, from storage; measured now (and said so) when
    nobody collected that breakdown."""
    stored = stored_breakdown(definition.key, kind, dimension, period.start)
    if stored:
        rows = [{"value": m.dimension_value, "figure": m.value, "n": m.n} for m in stored]
        return rows, False
    if not definition.measurable:
        return [], False
    try:
        measured = measure_now(
            definition,
            period=kind,
            by=(dimension,),
            start=period.start,
            end=series.period_end(period.start, kind),
        )
    except EngineError:
        return [], True
    rows = [
        {
            "value": "" if row.get(dimension) is None else str(row.get(dimension)),
            "figure": row.get("value"),
            "n": row.get("n"),
        }
        for row in measured
        if row.get("n")
    ]
    return sorted(rows, key=lambda row: str(row["value"])), True


def _quality(
    definition: KPIDefinition, kind: str, first: dt.date, last: dt.date
) -> QualityPanel | None:
    """The data quality panel over exactly the periods the page shows."""
    if not definition.measurable or _is_external(definition):
        return None
    try:
        report = quality.data_quality(
            definition, period=kind, start=first, end=series.period_end(last, kind)
        )
    except EngineError as error:
        return QualityPanel(verdict="not_measurable", label="Not computable", lines=[str(error)])
    return quality_panel(report, definition, kind)


def _days(shown: tuple[dt.date, dt.date] | None, kind: str) -> tuple[dt.date, dt.date] | None:
    """The first and the last day of the periods shown (the range picker's values)."""
    if shown is None:
        return None
    end = series.period_end(shown[1], kind)
    return shown[0], (end - dt.timedelta(days=1)) if end else shown[1]


def _table(periods: list[series.Period], kind: str) -> tuple[list[series.Row], int]:
    """The measurements table, newest first, runs of empty periods folded; at most
    MEASUREMENT_ROWS_SHOWN lines, and how many older ones were left out."""
    lines = series.fold(periods[::-1], kind)
    return lines[:MEASUREMENT_ROWS_SHOWN], max(len(lines) - MEASUREMENT_ROWS_SHOWN, 0)


@login_required
@require_GET
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    _require_viewer(request)
    definition = _definition_for(key)
    options = PageOptionsForm(request.GET)
    period_kind, dimension = options.options()
    stored = stored_series(key, period_kind)
    shown_range = _shown_range(stored, period_kind, options)
    periods = (
        series.periods(stored, period_kind, *shown_range, point_in_time=definition.point_in_time)
        if shown_range
        else []
    )
    latest, current = latest_and_current(periods)
    with_data = [period for period in periods if not period.empty]
    breakdown, measured_now = [], False
    # The breakdown compares a finished period (an unfinished one only when it is all there is).
    breakdown_period = latest or (with_data[-1] if with_data else None)
    if dimension and breakdown_period is not None:
        breakdown, measured_now = _breakdown(definition, period_kind, dimension, breakdown_period)
        for row in breakdown:
            row["status"] = (
                Status.SO_FAR if breakdown_period.partial else kpi_status(definition, row["figure"])
            )
    lines, older = _table(periods, period_kind)
    custom = CustomKPI.objects.filter(key=key).select_related("owner").first()
    chart_data = {
        **series_chart(periods),
        "target": definition.thresholds.target,
        "warning": definition.thresholds.warning,
        "unit": definition.unit.value,
        "suffix": UNIT_SUFFIX.get(definition.unit.value, ""),
        "breakdown": {
            "labels": [row["value"] or "(not set)" for row in breakdown],
            "values": [row["figure"] for row in breakdown],
        },
    }
    return render(
        request,
        "kpis/kpi_detail.html",
        {
            "definition": definition,
            "custom": custom,
            "options": options,
            "period_kind": period_kind,
            "dimension": dimension,
            "shown_range": shown_range,
            "data_range": series.data_range(stored),
            "range_label": series.span_label(*shown_range, period_kind) if shown_range else "",
            "shown_days": _days(shown_range, period_kind),
            "latest": latest,
            "current": current,
            "status": kpi_status(definition, latest.value if latest else None),
            "lines": lines,
            "older_lines": older,
            "nothing": nothing_in(definition),
            "has_data": bool(with_data),
            "breakdown": breakdown,
            "breakdown_period": breakdown_period,
            "measured_now": measured_now,
            "quality": _quality(definition, period_kind, *shown_range) if shown_range else None,
            "process_label": dict(Process.choices).get(definition.process, definition.process),
            "needs": [
                column_label(definition.measure.source if definition.measure else "", name)
                for name in definition.required_fields
            ],
            "external": _is_external(definition),
            "uploads": ExternalUpload.objects.filter(kpi_key=key).select_related("created_by")[:10]
            if _is_external(definition)
            else [],
            "chart_data": chart_data,
            "can_manage": can_manage_kpis(request.user),
            "can_record": can_record_kpi_data(request.user) and _is_external(definition),
            "timeline": timeline_for(custom) if custom else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def custom_kpi_form(request: HttpRequest, key: str | None = None) -> HttpResponse:
    _require_viewer(request)
    kpi = get_object_or_404(CustomKPI, key=key) if key else None
    if not can_manage_kpis(request.user):
        raise PermissionDenied("Only continual improvement owners and managers define KPIs.")
    data = request.POST if request.method == "POST" else None
    initial = None if kpi else {"owner": request.user.pk, "key": "custom."}
    form = CustomKPIForm(data, instance=detached(kpi) if kpi else None, initial=initial)
    if data is not None and form.is_valid():
        saved = run_service(
            form,
            services.do_save_custom_kpi,
            kpi,
            actor=request.user,
            expected_version=form.cleaned_data.get("version"),
            **form.kpi_fields(),
        )
        if saved:
            messages.success(request, f"KPI {saved} saved.")
            return redirect(saved)
    context = {"form": form, "kpi": kpi}
    return render(request, "kpis/custom_kpi_form.html", context, status=conflict_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def upload_points(request: HttpRequest, key: str) -> HttpResponse:
    _require_viewer(request)
    definition = _definition_for(key)
    if not _is_external(definition):
        raise Http404("This KPI is measured from Kaizen's records; it takes no uploads.")
    if not can_record_kpi_data(request.user):
        raise PermissionDenied("Only improvement and service level leaders record KPI data.")
    posted = request.method == "POST"
    form = PointsUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        recorded = run_service(
            form,
            services.do_upload_points_csv,
            key,
            upload.read(),
            actor=request.user,
            filename=upload.name,
        )
        if recorded and recorded.upload:
            return redirect("kpis:upload_report", pk=recorded.upload.pk)
    return render(request, "kpis/upload_points.html", {"definition": definition, "form": form})


@login_required
@require_GET
def upload_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    upload = get_object_or_404(ExternalUpload.objects.select_related("created_by"), pk=pk)
    definition = _definition_for(upload.kpi_key)
    points = upload.points.order_by("pk")[:200]
    return render(
        request,
        "kpis/upload_report.html",
        {"upload": upload, "definition": definition, "points": points},
    )


@login_required
@require_POST
def collect_now(request: HttpRequest) -> HttpResponse:
    """Measure on demand, for a manager who just changed a KPI or uploaded data: the recent
    months at once (the hourly task's work), or with `scope=history` the whole range of the
    data, handed to the task worker (it can take a while over years of history)."""
    _require_viewer(request)
    if not can_manage_kpis(request.user):
        raise PermissionDenied("Only continual improvement owners and managers collect.")
    if request.POST.get("scope") == RunScope.HISTORY:
        collect_history_task(request.user.pk)
        messages.success(
            request,
            "Measuring every KPI over the whole history of the data: the figures follow as soon "
            "as the task worker is done (a minute or so for years of incidents).",
        )
    else:
        run = collect_recent(actor=request.user)
        messages.success(request, f"{run.measurements:,} measurements of the recent months.")
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/kpis/") else reverse("kpis:scorecard"))
