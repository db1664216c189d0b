"""Change categories: a flat list change managers keep; a category in use is deactivated,
never deleted."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.changes.models import ChangeCategory
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User


def _check_name(name: str, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "name the category"})
    if len(name) > ChangeCategory._meta.get_field("name").max_length:
        raise ValidationError({"name": "at most 80 characters"})
    if ChangeCategory.objects.filter(name__iexact=name).exclude(pk=exclude).exists():
        raise ValidationError({"name": f"there is a category {name!r} already"})
    return name


@transaction.atomic
def do_create_change_category(
    *, name: str, actor: User | None, at: dt.datetime | None = None
) -> ChangeCategory:
    category = ChangeCategory.objects.create(name=_check_name(name))
    record_event(
        EventType.CHANGE_CATEGORY_CREATED,
        category,
        actor=actor,
        changes={
            "name": {"old": None, "new": category.name},
            "is_active": {"old": None, "new": True},
        },
        occurred_at=moment(at),
    )
    return category


@transaction.atomic
def do_update_change_category(
    category: ChangeCategory,
    *,
    actor: User | None,
    name: str | None = None,
    is_active: bool | None = None,
    at: dt.datetime | None = None,
) -> ChangeCategory:
    locked = ChangeCategory.objects.select_for_update().get(pk=category.pk)
    changes = {}
    if name is not None and name.strip() != locked.name:
        new_name = _check_name(name, exclude=locked.pk)
        changes["name"] = {"old": locked.name, "new": new_name}
        locked.name = new_name
    if is_active is not None and is_active != locked.is_active:
        changes["is_active"] = {"old": locked.is_active, "new": is_active}
        locked.is_active = is_active
    if changes:
        locked.save()
        record_event(
            EventType.CHANGE_CATEGORY_UPDATED,
            locked,
            actor=actor,
            changes=changes,
            occurred_at=moment(at),
        )
    return locked
