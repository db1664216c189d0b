"""The register (every initiative, filtered and sorted, with what blocks its gate) and the
board (the open initiatives by step)."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaizen.core.listing import list_page
from kaizen.core.widgets import speed_up_selects
from kaizen.improvement import gates
from kaizen.improvement.filters import BoardFilter, InitiativeFilter
from kaizen.improvement.models import OPEN_STATUSES, Initiative, Status, Step
from kaizen.improvement.permissions import can_create_initiative
from kaizen.improvement.views.base import require_viewer

REGISTER_SORTS = {
    "reference": "id",
    "title": "title",
    "owner": "owner__last_name",
    "process": "process",
    "priority": "priority",
    "status": "status",
    "step": "current_step",
    "cycle": "cycle",
    "due": "due_on",
    "updated": "updated_at",
}
CLOSED_ON_BOARD = 30


def _style_filters(form: forms.BaseForm) -> None:
    speed_up_selects(form)
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")


def _blocking(result: Any) -> dict[str, Any] | None:
    """What the register shows of a gate: its first missing output and how many more."""
    if result is None or result.passed or not result.missing:
        return None
    return {"first": result.missing[0], "more": len(result.missing) - 1, "all": result.missing}


# -- the register and the board ----------------------------------------------------------------


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    listing = list_page(
        request,
        Initiative.objects.select_related("owner"),
        InitiativeFilter,
        sort_fields=REGISTER_SORTS,
        default_sort="-reference",
    )
    initiatives = list(listing.page.object_list)
    results = gates.gates_for(initiatives)
    rows = [(initiative, _blocking(results.get(initiative.pk))) for initiative in initiatives]
    context = {
        **listing.context(),
        "rows": rows,
        "can_create": can_create_initiative(request.user),
    }
    return render(request, "improvement/register.html", context)


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    everything = Initiative.objects.select_related("owner")
    filterset = BoardFilter(request.GET or None, queryset=everything, request=request)
    _style_filters(filterset.form)
    chosen = filterset.qs if filterset.is_bound and filterset.is_valid() else everything
    open_ones = list(chosen.filter(status__in=OPEN_STATUSES).order_by("priority", "due_on", "pk"))
    closed = list(
        chosen.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-pk")[
            : CLOSED_ON_BOARD + 1
        ]
    )
    results = gates.gates_for(open_ones)
    columns = []
    for step in Step:
        # An evaluating initiative waits for its window, which is no blockage.
        cards = [
            (
                initiative,
                _blocking(results.get(initiative.pk))
                if initiative.status == Status.ACTIVE
                else None,
            )
            for initiative in open_ones
            if initiative.current_step == step
        ]
        columns.append({"number": step.value, "label": step.label, "cards": cards})
    context = {
        "filter": filterset,
        "columns": columns,
        "open_count": len(open_ones),
        "blocked_count": sum(1 for column in columns for _, blocked in column["cards"] if blocked),
        "closed": closed[:CLOSED_ON_BOARD],
        "closed_more": len(closed) > CLOSED_ON_BOARD,
        "can_create": can_create_initiative(request.user),
    }
    return render(request, "improvement/board.html", context)
