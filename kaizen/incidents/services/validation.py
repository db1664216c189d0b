"""The rules an incident's fields must keep together, each error on the field to fix."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from kaizen.catalog.models import CIStatus, Lifecycle
from kaizen.incidents.models import Incident, State
from kaizen.incidents.services.base import RELATED_FIELDS

# Model-level validation (choices, lengths, required text); the related records are checked
# by the rules below, with messages that say what to do.
NOT_FULL_CLEANED = (*RELATED_FIELDS, "number")


def _service_rules(incident: Incident, changed: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    service, offering, ci = incident.service, incident.offering, incident.configuration_item
    if "service" in changed and service is not None and service.lifecycle != Lifecycle.LIVE:
        errors["service"] = f"{service} is not a live service"
    if offering is not None and changed & {"service", "offering"}:
        if service is None:
            errors["offering"] = "choose the service the offering belongs to first"
        elif offering.service_id != service.pk:
            errors["offering"] = f"{offering.name} is not an offering of {service}"
        elif "offering" in changed and not offering.is_active:
            errors["offering"] = f"{offering.name} is no longer offered"
    if ci is not None and changed & {"service", "configuration_item"}:
        if "configuration_item" in changed and ci.status == CIStatus.RETIRED:
            errors["configuration_item"] = f"{ci} is retired"
        elif service is not None and not ci.services.filter(pk=service.pk).exists():
            errors["configuration_item"] = (
                f"{ci} does not support {service}; link it to the service in the CMDB or "
                "choose another item"
            )
    return errors


def _category_rules(incident: Incident, changed: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    category, subcategory = incident.category, incident.subcategory
    if category is not None and "category" in changed:
        if category.parent_id is not None:
            errors["category"] = f"{category} is a subcategory; choose its parent category"
        elif not category.is_active:
            errors["category"] = f"{category} is no longer used"
    if subcategory is not None and changed & {"category", "subcategory"}:
        if subcategory.parent_id is None:
            errors["subcategory"] = f"{subcategory} is a category, not a subcategory"
        elif category is None or subcategory.parent_id != category.pk:
            errors["subcategory"] = f"{subcategory.name} is not a subcategory of {category}"
        elif "subcategory" in changed and not subcategory.is_active:
            errors["subcategory"] = f"{subcategory} is no longer used"
    return errors


def _people_rules(incident: Incident, changed: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    # A required relation with no value raises on access, so ask for the id first.
    caller = incident.caller if incident.caller_id else None
    if caller is None:
        errors["caller"] = "who is affected? choose the caller"
    elif "caller" in changed and not caller.is_active:
        errors["caller"] = f"{caller} is not an active user"
    group, assignee = incident.assignment_group, incident.assignee
    if group is not None and "assignment_group" in changed and not group.is_active:
        errors["assignment_group"] = f"{group} is not an active team"
    active_agent = assignee is not None and assignee.is_active and assignee.is_agent
    if assignee is not None and "assignee" in changed and not active_agent:
        errors["assignee"] = f"{assignee} is not an active agent"
    if (
        "assignee" not in errors
        and group is not None
        and assignee is not None
        and changed & {"assignment_group", "assignee"}
        and not group.members.filter(pk=assignee.pk).exists()
    ):
        errors["assignee"] = f"{assignee} is not a member of {group}"
    return errors


def _state_rules(incident: Incident) -> dict[str, str]:
    errors: dict[str, str] = {}
    if incident.state == State.ON_HOLD and not incident.on_hold_reason:
        errors["on_hold_reason"] = "say what the incident is waiting for"
    if incident.state != State.ON_HOLD and incident.on_hold_reason:
        errors["on_hold_reason"] = "only an incident on hold has a reason to wait"
    if incident.state in (State.RESOLVED, State.CLOSED):
        if not incident.resolution_code:
            errors["resolution_code"] = "choose how the incident was resolved"
        if not incident.resolution_notes.strip():
            errors["resolution_notes"] = "describe the resolution for the caller"
    return errors


def check_incident(incident: Incident, changed: Iterable[str]) -> None:
    """Raise one ValidationError naming every field that breaks a rule.

    Rules about related records are checked only when one of their fields `changed`, so an
    incident on a service retired since it was opened can still be worked.
    """
    changed = set(changed)
    errors = {
        **_service_rules(incident, changed),
        **_category_rules(incident, changed),
        **_people_rules(incident, changed),
        **_state_rules(incident),
    }
    try:
        incident.full_clean(
            exclude=NOT_FULL_CLEANED, validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
