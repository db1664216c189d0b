"""The ticket targets of an agreement's terms (`AgreementTerms.targets`), checked and put in
one shape before they are stored.

Each target is `{"metric", "priority", "sla_definition", "minutes", "attainment_percent"}`:

- an SLA's target is measured by the clocks of an existing SLA definition of the same kind
  (response or resolution): the definition gives the time and the hours it is counted in, the
  agreement the share of tickets that must meet it (`attainment_percent`);
- an OLA's or a contract's target is a time in business minutes on the terms' agreed hours
  that the team or supplier commits to, for that share of the tickets it handles.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from kaizen.servicelevels.models import AgreementKind
from kaizen.sla.models import SLADefinition, TargetKind

METRICS = {TargetKind.RESPONSE.value: "response", TargetKind.RESOLUTION.value: "resolution"}
PRIORITIES = range(1, 6)
TARGET_KEYS = {"metric", "priority", "sla_definition", "minutes", "attainment_percent"}


def _whole(value: Any) -> int | None:
    """A whole number given as a number or as digits; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError


def _percent(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _one(kind: str, item: Any, definitions: Mapping[int, SLADefinition]) -> dict[str, Any]:
    """One target in its stored shape, or ValueError with the reason in words."""
    if not isinstance(item, Mapping):
        raise ValueError(
            "give an object with metric, priority, minutes or sla_definition, and "
            "attainment_percent"
        )
    unknown = set(item) - TARGET_KEYS
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
    metric = item.get("metric")
    if metric not in METRICS:
        raise ValueError("metric: choose response or resolution")
    try:
        priority = _whole(item.get("priority"))
    except (TypeError, ValueError):
        raise ValueError("priority: a priority from 1 to 5, or empty for any") from None
    if priority is not None and priority not in PRIORITIES:
        raise ValueError("priority: a priority from 1 to 5, or empty for any")
    try:
        attainment = _percent(item.get("attainment_percent"))
    except ValueError:
        raise ValueError(
            "attainment_percent: the share of tickets that must meet the target, e.g. 95"
        ) from None
    if not Decimal(0) < attainment <= Decimal(100):
        raise ValueError("attainment_percent: more than 0 and at most 100")
    try:
        definition_id = _whole(item.get("sla_definition"))
        minutes = _whole(item.get("minutes"))
    except (TypeError, ValueError):
        raise ValueError("sla_definition and minutes are whole numbers") from None
    if kind == AgreementKind.SLA:
        if definition_id is None:
            raise ValueError("sla_definition: choose the SLA definition that measures it")
        definition = definitions.get(definition_id)
        if definition is None:
            raise ValueError(f"sla_definition: there is no SLA definition {definition_id}")
        if definition.kind != metric:
            raise ValueError(
                f"sla_definition: {definition.name} is a {definition.get_kind_display().lower()} "
                f"target, not a {METRICS[metric]} target"
            )
        minutes = None
    else:
        if definition_id is not None:
            raise ValueError(
                "sla_definition: only a service level agreement names one; give "
                "the minutes the team or supplier commits to"
            )
        if minutes is None or minutes < 1:
            raise ValueError("minutes: the business minutes committed to, at least 1")
    return {
        "metric": metric,
        "priority": priority,
        "sla_definition": definition_id,
        "minutes": minutes,
        "attainment_percent": f"{attainment.quantize(Decimal('0.01'))}",
    }


def clean_targets(kind: str, targets: Iterable[Any] | None) -> list[dict[str, Any]]:
    """The targets in their stored shape, sorted by metric and priority; a ValidationError on
    `targets` names each faulty one by its place ("target 2: ...")."""
    if targets is None:
        return []
    if isinstance(targets, (str, bytes, Mapping)):
        raise ValidationError({"targets": "Give a list of targets."})
    listed = list(targets)
    wanted = {
        item.get("sla_definition")
        for item in listed
        if isinstance(item, Mapping) and str(item.get("sla_definition") or "").strip().isdigit()
    }
    definitions = SLADefinition.objects.in_bulk([int(str(value).strip()) for value in wanted])
    cleaned, errors, seen = [], [], set()
    for place, item in enumerate(listed, start=1):
        try:
            target = _one(kind, item, definitions)
        except ValueError as error:
            errors.append(f"target {place}: {error}")
            continue
        key = (target["metric"], target["priority"])
        if key in seen:
            which = f"priority {key[1]}" if key[1] else "any priority"
            errors.append(f"target {place}: a second {key[0]} target for {which}")
            continue
        seen.add(key)
        cleaned.append(target)
    if errors:
        raise ValidationError({"targets": errors})
    return sorted(cleaned, key=lambda t: (t["metric"], t["priority"] or 0))


def describe(target: Mapping[str, Any], definitions: Mapping[int, SLADefinition]) -> str:
    """A target in words: "Resolution of priority 1 within 8 business hours (SLA definition
    P1 resolution), for 95 % of tickets"."""
    which = f"priority {target['priority']}" if target["priority"] else "any priority"
    minutes = target.get("minutes")
    definition = definitions.get(target.get("sla_definition") or 0)
    if definition is not None:
        minutes = definition.target_minutes
    within = f"within {hours_text(minutes)}" if minutes else "within its SLA definition's time"
    named = f" ({definition.name})" if definition is not None else ""
    share = Decimal(target["attainment_percent"]).normalize()
    metric = METRICS[target["metric"]].capitalize()
    return f"{metric} of {which} {within}{named}, for {share:f} % of tickets"


def hours_text(minutes: int) -> str:
    """Business minutes in words: "45 business minutes", "8 business hours", "2 h 30 min"."""
    if minutes < 60:
        return f"{minutes} business minutes"
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} business hour" + ("s" if hours != 1 else "")
    return f"{hours} h {rest} min of business time"
