"""Raising a change and editing what it says: its description, plans, schedule and the parts
of the catalogue it touches."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes.models import (
    Change,
    ChangeTemplate,
    ChangeType,
    State,
    TemplateStatus,
)
from kaizen.changes.services import conflicts
from kaizen.changes.services import risk as risk_rules
from kaizen.changes.services.base import CHANGES, moment, refresh_clocks
from kaizen.core.numbering import NumberFormat, keep_number
from kaizen.core.numbering import next_number as next_number_of
from kaizen.core.priority import check_impact_urgency, priority_of
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User

# What people describe and plan. The state, the authorisation, the review and the derived
# fields (priority, risk) have their own services.
EDITABLE_FIELDS = (
    "title",
    "description",
    "justification",
    "category",
    "requester",
    "owner",
    "assignment_group",
    "implementer",
    "impact",
    "urgency",
    "planned_start",
    "planned_end",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "expected_outage",
    "outage_minutes",
    "problem_reference",
)
# The plan of a scheduled change: changing any of these asks the calendar again.
SCHEDULE_FIELDS = frozenset({"planned_start", "planned_end", "implementer"})
RAISE_FIELDS = (*EDITABLE_FIELDS, "change_type", "template")
# Only these may still change once the change is implemented (the record of what happened).
AFTER_IMPLEMENTATION_FIELDS = frozenset(
    {"description", "owner", "problem_reference", "test_plan", "outage_minutes"}
)

CHANGE_NUMBERS = NumberFormat(sequence="change", prefix="CHG")


def next_number() -> str:
    return next_number_of(
        CHANGE_NUMBERS, taken=lambda number: Change.objects.filter(number=number).exists()
    )


def _check_number(number: str) -> str:
    return keep_number(CHANGE_NUMBERS, number, Change, "change")


def derive(change: Change) -> None:
    """Priority from impact and urgency, and the stated risk from the rules."""
    change.priority = priority_of(change.impact, change.urgency) or change.priority
    change.risk = risk_rules.stated_risk(change)


def check_change(change: Change) -> None:
    """The rules between fields, each error on the field to correct."""
    errors: dict[str, str] = {}
    if not change.title.strip():
        errors["title"] = "say in a line what the change does"
    errors.update(check_impact_urgency(change.impact, change.urgency))
    start, end = change.planned_start, change.planned_end
    if (start is None) != (end is None):
        errors["planned_end" if end is None else "planned_start"] = (
            "give both the planned start and end, or neither"
        )
    elif start is not None and end is not None and end <= start:
        errors["planned_end"] = "the planned end must come after the planned start"
    if change.actual_start and change.actual_end and change.actual_end < change.actual_start:
        errors["actual_end"] = "the actual end cannot come before the actual start"
    if change.outage_minutes is not None and not change.expected_outage:
        errors["outage_minutes"] = "only for a change with an expected outage"
    if change.expected_outage and not change.outage_minutes:
        errors["outage_minutes"] = "say how many minutes the outage is expected to last"
    if change.implementer_id and change.assignment_group_id:
        group = change.assignment_group
        if not group.members.filter(pk=change.implementer_id).exists():
            errors["implementer"] = f"{change.implementer} is not a member of {group}"
    if errors:
        raise ValidationError(errors)


def _check_template(template: ChangeTemplate | None, change_type: str) -> None:
    if change_type == ChangeType.STANDARD and template is None:
        raise ValidationError(
            {"template": "a standard change is raised from an approved standard change template"}
        )
    if template is not None and change_type != ChangeType.STANDARD:
        raise ValidationError({"template": "only a standard change is raised from a template"})
    if template is not None and template.status != TemplateStatus.APPROVED:
        raise ValidationError(
            {"template": f"{template} is {template.get_status_display().lower()}, not approved"}
        )


def _copy_template(change: Change, template: ChangeTemplate, fields: dict[str, Any]) -> None:
    """What the person did not give comes from the template."""
    for name in (
        "category",
        "assignment_group",
        "implementation_plan",
        "backout_plan",
        "test_plan",
        "expected_outage",
        "outage_minutes",
    ):
        if name not in fields:
            setattr(change, name, getattr(template, name))
    if not fields.get("description"):
        change.description = template.description


@transaction.atomic
def do_raise_change(
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    number: str | None = None,
    services: Iterable[Service] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    imported_from: str = "",
    **fields: Any,
) -> Change:
    """Raise a change in Draft. `fields` are EDITABLE_FIELDS plus `change_type` and
    `template`; the requester defaults to the actor. A standard change copies its approved
    template's plans, services and CIs where not given. `number` keeps an imported number."""
    at = moment(at)
    unknown = set(fields) - set(RAISE_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable when raising: {', '.join(sorted(unknown))}")
    fields.setdefault("requester", actor)
    if fields["requester"] is None:
        raise ValidationError({"requester": "say who requests the change"})
    change_type = fields.setdefault("change_type", ChangeType.NORMAL)
    if change_type not in ChangeType.values:
        raise ValidationError({"change_type": f"{change_type!r} is not a change type"})
    template = fields.get("template")
    _check_template(template, change_type)
    change = Change(opened_at=at, updated_at=at, imported_from=imported_from, **fields)
    if template is not None:
        _copy_template(change, template, fields)
    derive(change)
    check_change(change)
    change.number = _check_number(number) if number else next_number()
    change.save()
    if services is None and template is not None:
        services = template.services.all()
    if configuration_items is None and template is not None:
        configuration_items = template.configuration_items.all()
    change.services.set(list(services or ()))
    change.configuration_items.set(list(configuration_items or ()))
    # The risk rules read the services and CIs (a critical service, a CI class): now they are
    # set, derive again.
    derived = (change.priority, change.risk)
    derive(change)
    if (change.priority, change.risk) != derived:
        change.save(update_fields=["priority", "risk"])
    record_event(
        EventType.CHANGE_CREATED,
        change,
        actor=actor,
        changes=CHANGES.initial_changes(change),
        occurred_at=at,
    )
    refresh_clocks(change)
    return change


def refuse_if_final(change: Change, field: str = "state") -> None:
    if change.is_final:
        raise ValidationError(
            {field: f"{change.number} is {change.get_state_display().lower()}: that is final"}
        )


def _refuse_late_edits(change: Change, changed: set[str]) -> None:
    if change.state not in (State.IMPLEMENT, State.REVIEW):
        return
    late = sorted(changed - AFTER_IMPLEMENTATION_FIELDS)
    if late:
        raise ValidationError(
            {
                name: f"{change.number} is being implemented or reviewed: its plan is the "
                "record of what was authorised and can no longer change"
                for name in late
            }
        )


@transaction.atomic
def do_update_change(
    change: Change,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    services: Iterable[Service] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    **fields: Any,
) -> Change:
    """Edit what the change says (EDITABLE_FIELDS, and the affected services and CIs when
    given). A scheduled change whose plan changes is checked against the calendar again.
    Closed, cancelled and rejected changes are final."""
    at = moment(at)
    locked = CHANGES.lock(change, expected_version)
    refuse_if_final(locked, next(iter(fields), "state"))
    before = CHANGES.snapshot(locked)
    changed = set(apply_changes(locked, fields, EDITABLE_FIELDS))
    if services is not None and set(services) != set(locked.services.all()):
        locked.services.set(list(services))
        changed.add("services")
    if configuration_items is not None and set(configuration_items) != set(
        locked.configuration_items.all()
    ):
        locked.configuration_items.set(list(configuration_items))
        changed.add("configuration_items")
    _refuse_late_edits(locked, changed)
    derive(locked)
    check_change(locked)
    if locked.state == State.SCHEDULED and changed & (
        SCHEDULE_FIELDS | {"services", "configuration_items"}
    ):
        conflicts.check_schedule(locked)
    CHANGES.finish(locked, change, before, EventType.CHANGE_UPDATED, actor=actor, at=at)
    return locked
