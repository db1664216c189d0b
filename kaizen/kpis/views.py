"""KPI pages: the scorecard, a KPI's page, custom KPI form, external data upload.

Each view: authenticate, ask kaizen.kpis.permissions (403), fetch (404), validate, call one
service. Figures come from stored measurements; charts read them from a json_script block.
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

from kaizen.core.forms import detached, run_service
from kaizen.journal.selectors import timeline_for
from kaizen.kpis import services
from kaizen.kpis.engine import EngineError
from kaizen.kpis.forms import CustomKPIForm, PageOptionsForm, PointsUploadForm
from kaizen.kpis.models import CustomKPI, ExternalUpload, MeasurementRun
from kaizen.kpis.permissions import can_manage_kpis, can_record_kpi_data, can_view_kpis
from kaizen.kpis.selectors import (
    SPARKLINE_PERIODS,
    find_definition,
    kpi_status,
    measure_now,
    periods_back,
    scorecard,
    stored_series,
)
from kaizen.kpis.spec import KPIDefinition, Source
from kaizen.kpis.tasks import collect_recent_measurements

MEASUREMENT_ROWS_SHOWN = 60


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
    window = periods_back(period_kind, SPARKLINE_PERIODS)
    chart_data = {
        "labels": [start.isoformat() for start in window],
        "series": {row.key: row.sparkline for group in groups for row in group.measurable},
    }
    return render(
        request,
        "kpis/scorecard.html",
        {
            "groups": groups,
            "options": options,
            "period_kind": period_kind,
            "chart_data": chart_data,
            "last_run": MeasurementRun.objects.order_by("-started_at").first(),
            "can_manage": can_manage_kpis(request.user),
        },
    )


def _breakdown(
    definition: KPIDefinition, period_kind: str, dimension: str, window: list[dt.date]
) -> tuple[list[dict[str, Any]], bool]:
    """The latest period's values by `dimension`, from storage; measured now (and said so)
    when nobody collected that breakdown."""
    stored = stored_series(definition.key, period_kind, dimension)
    if stored:
        latest = max(m.period_start for m in stored)
        rows = [
            {"value": m.dimension_value, "figure": m.value, "n": m.n, "period": m.period_start}
            for m in stored
            if m.period_start == latest
        ]
        return sorted(rows, key=lambda row: str(row["value"])), False
    if not definition.measurable:
        return [], False
    try:
        measured = measure_now(definition, period=period_kind, by=(dimension,), start=window[0])
    except EngineError:
        return [], True
    if not measured:
        return [], True
    latest_period = max(str(row["period"]) for row in measured)
    rows = [
        {
            "value": "" if row.get(dimension) is None else str(row.get(dimension)),
            "figure": row.get("value"),
            "n": row.get("n"),
            "period": row["period"],
        }
        for row in measured
        if str(row["period"]) == latest_period
    ]
    return sorted(rows, key=lambda row: str(row["value"])), True


def _quality(definition: KPIDefinition, period_kind: str, start: dt.date) -> list[dict[str, Any]]:
    """The data quality panel (coverage of required fields, sample sizes, empty periods) as
    titled sections of label/value rows, whatever the report's nesting."""
    if not definition.measurable or _is_external(definition):
        return []
    try:
        from kaizen.kpis import quality
    except ImportError:  # the data quality module is written alongside; no panel until then
        return []
    try:
        report = quality.data_quality(definition, period=period_kind, start=start)
    except EngineError as error:
        return [{"title": "Not computable", "rows": [(str(error), "")], "empty": ""}]
    return quality_sections(report)


# What the panel shows of kaizen.kpis.quality's report, in this order (the rest, such as the
# KPI's key and the range asked, is on the page already).
QUALITY_KEYS = (
    "verdict",
    "issues",
    "rows_in_scope",
    "required_fields",
    "sample_sizes",
    "min_sample_size",
    "median_sample_size",
    "empty_periods",
)


def quality_sections(report: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for name in QUALITY_KEYS:
        if name not in report:
            continue
        value = report[name]
        if isinstance(value, dict):
            rows = [(label, _shown(item)) for label, item in value.items()]
        elif isinstance(value, list | tuple):
            rows = [_row(item) for item in value]
        else:
            rows = [("", _shown(value))]
        title = str(name).replace("_", " ").capitalize()
        sections.append({"title": title, "rows": rows, "empty": "None."})
    return sections


def _row(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        values = list(item.values())
        return (str(values[0]), ", ".join(_shown(v) for v in values[1:])) if values else ("", "")
    return (_shown(item), "")


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)


@login_required
@require_GET
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    _require_viewer(request)
    definition = _definition_for(key)
    options = PageOptionsForm(request.GET)
    period_kind, dimension = options.options()
    window = periods_back(period_kind, SPARKLINE_PERIODS)
    series = stored_series(key, period_kind)
    breakdown, measured_now = (
        _breakdown(definition, period_kind, dimension, window) if dimension else ([], False)
    )
    for row in breakdown:
        row["status"] = kpi_status(definition, row["figure"])
    custom = CustomKPI.objects.filter(key=key).select_related("owner").first()
    chart_data = {
        "labels": [m.period_start.isoformat() for m in series],
        "values": [m.value for m in series],
        "target": definition.thresholds.target,
        "warning": definition.thresholds.warning,
        "unit": definition.unit.value,
        "breakdown": {
            "labels": [row["value"] or "(not set)" for row in breakdown],
            "values": [row["figure"] for row in breakdown],
        },
    }
    latest = series[-1] if series else None
    return render(
        request,
        "kpis/kpi_detail.html",
        {
            "definition": definition,
            "custom": custom,
            "options": options,
            "period_kind": period_kind,
            "dimension": dimension,
            "latest": latest,
            "status": kpi_status(definition, latest.value if latest else None),
            "measurements": [
                (m, kpi_status(definition, m.value)) for m in series[::-1][:MEASUREMENT_ROWS_SHOWN]
            ],
            "breakdown": breakdown,
            "measured_now": measured_now,
            "quality_sections": _quality(definition, period_kind, window[0]),
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
            form, services.do_save_custom_kpi, kpi, actor=request.user, **form.kpi_fields()
        )
        if saved:
            messages.success(request, f"KPI {saved} saved.")
            return redirect(saved)
    return render(request, "kpis/custom_kpi_form.html", {"form": form, "kpi": kpi})


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
    """Sync the analytics store and collect the recent measurements at once (the hourly task's
    work), for a manager who just changed a KPI or uploaded data."""
    _require_viewer(request)
    if not can_manage_kpis(request.user):
        raise PermissionDenied("Only continual improvement owners and managers collect.")
    result = collect_recent_measurements(actor=request.user)
    messages.success(request, f"{result['measurements']} measurements collected.")
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/kpis/") else reverse("kpis:scorecard"))
