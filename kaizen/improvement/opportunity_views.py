"""Opportunity pages: the list the scan fills, one opportunity with its evidence, and the
three things done with one: start an initiative from it, dismiss it (with the reason), scan
again.

Each view: authenticate, ask kaizen.improvement.permissions (403), fetch (404), validate, call one
service. Viewing is for agents (`can_view_register`; requesters get 403); starting an
initiative for whoever may raise one (`can_create_initiative`); dismissing and scanning for
the CSI manager (`can_manage_register`). The evidence chart reads its numbers from a
json_script block, as the KPI pages do.
"""

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kaizen.core.forms import StyledFormMixin, run_service
from kaizen.core.listing import list_page
from kaizen.improvement import services
from kaizen.improvement.api_filters import OpportunityFilter
from kaizen.improvement.models import Opportunity, OpportunityKind, OpportunityStatus
from kaizen.improvement.opportunity_rows import by_subject, folds, period_text, rows
from kaizen.improvement.permissions import (
    can_create_initiative,
    can_manage_register,
    can_view_register,
)
from kaizen.journal.selectors import timeline_for
from kaizen.kpis.spec import dimension_label
from kaizen.kpis.templatetags.kpis import period_label

OPPORTUNITY_SORTS = {
    "strength": "strength",
    "kind": "kind",
    "title": "subject_sort",  # what the column shows (opportunity_rows.by_subject)
    "status": "status",
    "seen": "last_seen_at",
    "found": "first_seen_at",
}
SHOWN_STATUSES = [
    ("all", "Any, dismissed too"),
    *OpportunityStatus.choices,
]


class OpportunityListFilter(OpportunityFilter):
    """The API's filters, with "all" for the page: dismissed ones are hidden unless asked
    for (by status, or "all")."""

    kind = django_filters.ChoiceFilter(
        choices=OpportunityKind.choices, empty_label="Any kind", label="Kind"
    )
    status = django_filters.ChoiceFilter(
        choices=SHOWN_STATUSES,
        method="filter_status",
        empty_label="Open and started",
        label="Status",
    )

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        return queryset if value == "all" else queryset.filter(status=value)


class DismissForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why it is not worth an initiative; it comes back only if the evidence grows.",
    )


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_register(request.user):
        raise PermissionDenied("Improvement opportunities are for agents and managers.")


def _opportunity_for(request: HttpRequest, pk: int) -> Opportunity:
    _require_viewer(request)
    return get_object_or_404(
        Opportunity.objects.select_related("dismissed_by", "initiative"), pk=pk
    )


@login_required
@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Strongest first, near-duplicates folded (kaizen.improvement.opportunity_rows); a
    fixed number of queries whatever the number of rows (the folds, the count, the page):
    every figure shown is in the row's own evidence."""
    _require_viewer(request)
    opportunities = Opportunity.objects.all()
    if not request.GET.get("status"):
        opportunities = opportunities.exclude(status=OpportunityStatus.DISMISSED)
    found = folds(OpportunityListFilter(request.GET, queryset=opportunities).qs)
    shown = opportunities.exclude(pk__in=found.hidden) if found.hidden else opportunities
    listing = list_page(
        request,
        by_subject(shown) if request.GET.get("sort", "").lstrip("-") == "title" else shown,
        OpportunityListFilter,
        sort_fields=OPPORTUNITY_SORTS,
        default_sort="-strength",
    )
    return render(
        request,
        "improvement/opportunities.html",
        {
            **listing.context(),
            "rows": rows(listing.page.object_list, found, timezone.localdate()),
            "folded": found.count,
            "can_start": can_create_initiative(request.user),
            "can_manage": can_manage_register(request.user),
        },
    )


def _period_name(period: Any, kind: Any) -> str:
    """A period's key ("2026-03-02") as its name on the chart's axis ("Week of 2 Mar 2026")."""
    try:
        return period_label(str(period), str(kind or "day"))
    except ValueError:
        return str(period)


def chart_data(opportunity: Opportunity) -> dict[str, Any]:
    """The evidence's numbers as the page's chart draws them: the series over time (with the
    target, the warning and, for a control chart, its centre and limits; the points of adverse
    signals marked) and the breakdown (the opportunity's own bar marked)."""
    evidence = opportunity.evidence or {}
    figure = evidence.get("figure") or {}
    series = evidence.get("series") or []
    lines = [
        {"label": label, "value": figure[name], "kind": name}
        for name, label in (("target", "Target"), ("warning", "Warning"))
        if figure.get(name) is not None
    ]
    marked: list[int] = []
    chart = evidence.get("control_chart")
    if chart:
        for name, label in (("centre", "Centre"), ("ucl", "Upper limit"), ("lcl", "Lower limit")):
            if chart.get(name) is not None:
                lines.append({"label": label, "value": chart[name], "kind": name})
        adverse = [signal for signal in chart.get("signals", []) if signal.get("adverse")]
        marked = sorted(
            {
                point["index"]
                for point in chart.get("points", [])
                for signal in adverse
                if signal["first_index"] <= point["index"] <= signal["last_index"]
                and signal["rule"] in point.get("signals", [])
            }
        )
    breakdown = evidence.get("breakdown") or []
    return {
        "unit": figure.get("unit", ""),
        "labels": [_period_name(row.get("period"), evidence.get("period_kind")) for row in series],
        "values": [row.get("value") for row in series],
        "lines": lines,
        "marked": marked,
        "breakdown": {
            "labels": [str(row.get("value") or "(not set)") for row in breakdown],
            "values": [row.get("figure", row.get("count")) for row in breakdown],
            "marked": [
                index
                for index, row in enumerate(breakdown)
                if str(row.get("value")) == opportunity.dimension_value
            ],
            "label": dimension_label(
                evidence.get("breakdown_dimension") or evidence.get("dimension") or ""
            ),
        },
    }


def _detail(
    request: HttpRequest,
    opportunity: Opportunity,
    dismiss_form: DismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    evidence = opportunity.evidence or {}
    is_open = opportunity.status == OpportunityStatus.OPEN
    # A dismissed opportunity may still be reconsidered and started; a started one is done.
    startable = opportunity.status != OpportunityStatus.STARTED
    return render(
        request,
        "improvement/opportunity.html",
        {
            "opportunity": opportunity,
            "evidence": evidence,
            "figure": evidence.get("figure") or {},
            "chart_data": chart_data(opportunity),
            "period": period_text(evidence.get("range") or {}, timezone.localdate()),
            "can_start": startable and can_create_initiative(request.user),
            "can_dismiss": is_open and can_manage_register(request.user),
            "dismiss_form": dismiss_form or DismissForm(),
            "timeline": timeline_for(opportunity),
        },
        status=status,
    )


@login_required
@require_GET
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _opportunity_for(request, pk))


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an initiative from the opportunity and go to it."""
    opportunity = _opportunity_for(request, pk)
    if not can_create_initiative(request.user):
        raise PermissionDenied("Only process owners and managers raise initiatives.")
    try:
        initiative = services.do_start_initiative_from_opportunity(opportunity, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(opportunity)
    messages.success(request, f"Initiative {initiative.reference} started from the opportunity.")
    return redirect(initiative)


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Not worth an initiative, and why; without a reason the page comes back with the error."""
    opportunity = _opportunity_for(request, pk)
    if not can_manage_register(request.user):
        raise PermissionDenied("Only the continual improvement manager dismisses opportunities.")
    form = DismissForm(request.POST)
    if form.is_valid():
        dismissed = run_service(
            form,
            services.do_dismiss_opportunity,
            opportunity,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if dismissed:
            messages.success(request, "Opportunity dismissed.")
            return redirect("improvement:opportunities")
        if not form.has_error("reason"):
            # Refused for the opportunity's state (dismissed or started meanwhile): its page,
            # which no longer offers the form, says why.
            for text in form.non_field_errors():
                messages.error(request, text)
            return redirect(opportunity)
    return _detail(request, opportunity, dismiss_form=form, status=400)


@login_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """Scan now, in the request: the scan reads stored measurements and runs a handful of
    engine queries (well under a second to a few seconds at this platform's size), so no
    background job is needed for a manager who wants fresh suggestions now."""
    _require_viewer(request)
    if not can_manage_register(request.user):
        raise PermissionDenied("Only the continual improvement manager scans for opportunities.")
    result = services.do_scan_opportunities()
    counts = result.counts()
    messages.success(
        request,
        f"Scan done: {counts['created']} new, {counts['updated']} updated, "
        f"{counts['reopened']} reopened, {counts['unchanged']} unchanged.",
    )
    for kind, reason in result.skipped.items():
        messages.info(request, f"{kind.replace('_', ' ').capitalize()}: {reason}")
    return redirect("improvement:opportunities")
