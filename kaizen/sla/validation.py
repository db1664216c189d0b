"""Rules on calendars and SLA definitions that a model field cannot say; each error names
the field. The writes (services.py) call them before saving."""

from django.core.exceptions import ValidationError

from kaizen.sla.kinds import get_kind, kind_choices
from kaizen.sla.models import EscalationAction, SLADefinition, TargetKind

ESCALATION_ACTIONS = tuple(EscalationAction.values)


def check_holiday_region(country: str, subdivision: str) -> None:
    """The library raises NotImplementedError for an unknown country and for an unknown region
    of a known one alike, so the country is tried alone first to name the right field."""
    import holidays

    if not country:
        if subdivision:
            raise ValidationError({"holiday_subdivision": "give the country as well"})
        return
    try:
        holidays.country_holidays(country)
    except NotImplementedError as exc:
        raise ValidationError(
            {"holiday_country": f"no public holidays known for {country!r}"}
        ) from exc
    if not subdivision:
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, ValueError) as exc:
        raise ValidationError(
            {"holiday_subdivision": f"{subdivision!r} is not a known region of {country}"}
        ) from exc


def check_definition(definition: SLADefinition) -> None:
    """Rules a model field cannot say; errors name the field."""
    if definition.kind not in TargetKind.values:
        raise ValidationError({"kind": "response or resolution"})
    try:
        ticket_kind = get_kind(definition.ticket_kind)
    except LookupError:
        keys = ", ".join(key for key, _ in kind_choices())
        raise ValidationError({"ticket_kind": f"one of the ticket kinds: {keys}"}) from None
    on_hold_reasons = ticket_kind.on_hold_reason_values
    if not isinstance(definition.priorities, list) or not all(
        isinstance(p, int) and 1 <= p <= 5 for p in definition.priorities
    ):
        raise ValidationError({"priorities": "a list of priorities from 1 to 5, e.g. [1, 2]"})
    if not isinstance(definition.conditions, dict) or not all(
        isinstance(values, list) for values in definition.conditions.values()
    ):
        raise ValidationError(
            {"conditions": 'an object of field: [values], e.g. {"channel": ["phone"]}'}
        )
    unknown = set(definition.pause_reasons or []) - set(on_hold_reasons)
    if not isinstance(definition.pause_reasons, list) or unknown:
        raise ValidationError(
            {"pause_reasons": f"on-hold reasons from {', '.join(on_hold_reasons)}"}
        )
    thresholds = definition.warning_thresholds
    if not isinstance(thresholds, list) or not all(
        isinstance(p, int) and 0 < p < 100 for p in thresholds
    ):
        raise ValidationError(
            {"warning_thresholds": "percentages between 1 and 99, e.g. [50, 75, 90]"}
        )
    if not isinstance(definition.escalations, list):
        raise ValidationError({"escalations": "a list of steps"})
    for step in definition.escalations:
        if not isinstance(step, dict) or step.get("action") not in ESCALATION_ACTIONS:
            raise ValidationError(
                {"escalations": f"each step needs an action from {', '.join(ESCALATION_ACTIONS)}"}
            )
        if step.get("at") not in [*thresholds, 100]:
            raise ValidationError(
                {"escalations": "each step's 'at' must be a warning threshold or 100 (breach)"}
            )
        if step["action"] == "reassign" and not step.get("team"):
            raise ValidationError({"escalations": "a reassign step names the team's slug"})
    if (
        definition.offering_id
        and definition.service_id
        and definition.offering.service_id != definition.service_id
    ):
        raise ValidationError({"offering": "the offering belongs to another service"})
    if definition.target_minutes is not None and definition.target_minutes <= 0:
        raise ValidationError({"target_minutes": "must be more than zero"})
