"""What the register's pages share: who may see and work an initiative (403) and fetching
it (404), a service behind a button, the step strip and the forms that move an
initiative."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from kaizen.improvement import gates, selectors
from kaizen.improvement.forms import AdvanceForm, ReturnForm
from kaizen.improvement.models import Initiative, InitiativeKPI, Status, Step
from kaizen.improvement.permissions import can_view_register, can_work_initiative
from kaizen.kpis.spec import KPIDefinition

STEP_NAMES = {step.value: step.label for step in Step}


# -- access ------------------------------------------------------------------------------------


def require_viewer(request: HttpRequest) -> None:
    if not can_view_register(request.user):
        raise PermissionDenied("The improvement register is for agents and managers.")


def initiative_for(request: HttpRequest, pk: int) -> Initiative:
    require_viewer(request)
    return get_object_or_404(Initiative.objects.select_related("owner", "previous"), pk=pk)


def require_worker(request: HttpRequest, initiative: Initiative) -> None:
    if not can_work_initiative(request.user, initiative):
        raise PermissionDenied("Only the initiative's owner and the CSI manager work it.")


def workable(request: HttpRequest, pk: int) -> Initiative:
    initiative = initiative_for(request, pk)
    require_worker(request, initiative)
    return initiative


def kpi_of(initiative: Initiative, kpi_pk: int) -> InitiativeKPI:
    kpi = get_object_or_404(InitiativeKPI, pk=kpi_pk, initiative=initiative)
    kpi.initiative = initiative  # the one checked, for the service
    return kpi


# -- helpers -----------------------------------------------------------------------------------


def call_service(
    request: HttpRequest, function: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[bool, Any]:
    """A service behind a button (no fields to put errors on): (done, its result); a refusal
    becomes an error message."""
    try:
        return True, function(*args, **kwargs)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return False, None


def step_url(initiative: Initiative, number: int, anchor: str = "") -> str:
    url = reverse("improvement:step", args=[initiative.pk, number])
    return f"{url}#{anchor}" if anchor else url


def kpi_definition(key: str) -> KPIDefinition | None:
    return selectors.definition_of(key)


def kpi_definitions(keys: Iterable[str]) -> dict[str, KPIDefinition | None]:
    """The definitions of a page's KPIs, read once (the custom KPIs are one query)."""
    return selectors.definitions_of(keys)


def _strip(initiative: Initiative) -> list[dict[str, Any]]:
    """The seven steps as done / current / to do, each linking to its workspace."""
    finished = initiative.status in (Status.COMPLETED, Status.NOT_MET)
    strip = []
    for step in Step:
        if finished or step < initiative.current_step:
            state = "done"
        elif step == initiative.current_step:
            state = "current" if initiative.is_open else "stopped"
        else:
            state = "todo"
        strip.append(
            {
                "number": step.value,
                "label": step.label,
                "state": state,
                "url": step_url(initiative, step.value),
            }
        )
    return strip


def initiative_context(request: HttpRequest, initiative: Initiative) -> dict[str, Any]:
    return {
        "initiative": initiative,
        "strip": _strip(initiative),
        "can_work": can_work_initiative(request.user, initiative),
        "next_cycle": initiative.next_cycles.order_by("pk").first(),
    }


def step_forms(
    initiative: Initiative, bound: dict[str, Any], gate: gates.GateResult | None = None
) -> dict[str, Any]:
    """The gate of the current step with the forms that move the initiative."""
    return {
        "gate": gate or gates.gate(initiative),
        "advance_form": bound.get("advance") or AdvanceForm(),
        "return_form": bound.get("return") or ReturnForm(current_step=initiative.current_step),
        "next_step": STEP_NAMES.get(initiative.current_step + 1),
        "next_step_number": initiative.current_step + 1,
    }
