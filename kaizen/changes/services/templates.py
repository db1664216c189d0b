"""The standard change catalogue: templates proposed by anyone who raises changes, approved
(or rejected) by a change manager, revised as new versions and retired. Approving a version
retires the version approved before it; changes keep the version they were raised from."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes.models import ChangeTemplate, TemplateStatus
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event, to_journal_value
from kaizen.people.models import User

TEMPLATE_FIELDS = (
    "name",
    "description",
    "category",
    "assignment_group",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "expected_outage",
    "outage_minutes",
    "risk",
)


def _check(template: ChangeTemplate) -> None:
    errors = {}
    if not template.name.strip():
        errors["name"] = "name the standard change"
    if not template.implementation_plan.strip():
        errors["implementation_plan"] = "a standard change is done the same way every time: say how"
    if not template.backout_plan.strip():
        errors["backout_plan"] = "say how the change is undone if it fails"
    if template.expected_outage and not template.outage_minutes:
        errors["outage_minutes"] = "say how many minutes the outage is expected to last"
    if errors:
        raise ValidationError(errors)


def _snapshot(template: ChangeTemplate) -> dict[str, Any]:
    values = {name: to_journal_value(getattr(template, name)) for name in TEMPLATE_FIELDS}
    values["services"] = to_journal_value(list(template.services.order_by("pk")))
    values["configuration_items"] = to_journal_value(
        list(template.configuration_items.order_by("pk"))
    )
    return values


@transaction.atomic
def do_propose_template(
    *,
    actor: User | None,
    services: Iterable[Service] = (),
    configuration_items: Iterable[ConfigurationItem] = (),
    revises: ChangeTemplate | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> ChangeTemplate:
    """Propose a new standard change, or (`revises`) a new version of one."""
    at = moment(at)
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable on a template: {', '.join(sorted(unknown))}")
    if revises is not None:
        key = revises.key
        number = (
            ChangeTemplate.objects.filter(key=key).aggregate(last=Max("version_number"))["last"] + 1
        )
    else:
        key = slugify(fields.get("name", ""))[:80]
        if not key:
            raise ValidationError({"name": "name the standard change"})
        if ChangeTemplate.objects.filter(key=key).exists():
            raise ValidationError(
                {"name": "a standard change of that name exists: propose a new version of it"}
            )
        number = 1
    template = ChangeTemplate(
        key=key,
        version_number=number,
        proposed_by=actor,
        proposed_at=at,
        updated_at=at,
        **fields,
    )
    _check(template)
    template.save()
    template.services.set(list(services))
    template.configuration_items.set(list(configuration_items))
    record_event(
        EventType.CHANGE_TEMPLATE_PROPOSED,
        template,
        actor=actor,
        changes={name: {"old": None, "new": value} for name, value in _snapshot(template).items()},
        data={"version_number": number},
        occurred_at=at,
    )
    return template


@transaction.atomic
def do_decide_template(
    template: ChangeTemplate,
    *,
    approve: bool,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> ChangeTemplate:
    """Approve (retiring the version approved before) or reject a proposed template."""
    at = moment(at)
    locked = ChangeTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.status != TemplateStatus.PROPOSED:
        raise ValidationError(
            {"status": f"{locked} is {locked.get_status_display().lower()}, not proposed"}
        )
    if actor is not None and locked.proposed_by_id == actor.pk:
        raise ValidationError({"status": "another change manager decides on your own proposal"})
    if not approve and not note.strip():
        raise ValidationError({"note": "say why the template is rejected"})
    if approve:
        for previous in ChangeTemplate.objects.select_for_update().filter(
            key=locked.key, status=TemplateStatus.APPROVED
        ):
            replaced = f"replaced by version {locked.version_number}"
            _retire(previous, actor=actor, at=at, reason=replaced)
    status = TemplateStatus.APPROVED if approve else TemplateStatus.REJECTED
    changes = {"status": {"old": locked.status, "new": str(status)}}
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = at
    locked.decision_note = note.strip()
    locked.version += 1
    locked.updated_at = at
    locked.save()
    record_event(
        EventType.CHANGE_TEMPLATE_DECIDED,
        locked,
        actor=actor,
        changes=changes,
        data={"note": locked.decision_note} if locked.decision_note else None,
        occurred_at=at,
    )
    return locked


def _retire(template: ChangeTemplate, *, actor: User | None, at: dt.datetime, reason: str) -> None:
    changes = {"status": {"old": template.status, "new": str(TemplateStatus.RETIRED)}}
    template.status = TemplateStatus.RETIRED
    template.retired_at = at
    template.version += 1
    template.updated_at = at
    template.save(update_fields=["status", "retired_at", "version", "updated_at"])
    record_event(
        EventType.CHANGE_TEMPLATE_RETIRED,
        template,
        actor=actor,
        changes=changes,
        data={"reason": reason},
        occurred_at=at,
    )


@transaction.atomic
def do_retire_template(
    template: ChangeTemplate, *, actor: User | None, reason: str, at: dt.datetime | None = None
) -> ChangeTemplate:
    """No new change is raised from a retired template; changes raised from it keep it."""
    locked = ChangeTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.status != TemplateStatus.APPROVED:
        raise ValidationError(
            {
                "status": f"only an approved template is retired; {locked} is "
                f"{locked.get_status_display().lower()}"
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": "say why the template is retired"})
    _retire(locked, actor=actor, at=moment(at), reason=reason.strip())
    return locked
