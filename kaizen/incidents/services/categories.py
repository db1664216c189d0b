"""Incident categories: reference data for routing and for the improvement analyses."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.incidents.models import Category
from kaizen.journal.events import EventType
from kaizen.journal.services import build_event, record_event, record_events
from kaizen.people.models import User

CATEGORY_FIELDS = ("name", "parent")


def _created_changes(category: Category) -> dict[str, dict]:
    parent = category.parent
    return {
        "name": {"old": None, "new": category.name},
        "parent": {"old": None, "new": {"id": parent.pk, "repr": str(parent)} if parent else None},
    }


@transaction.atomic
def do_create_category(
    name: str, *, actor: User | None, parent: Category | None = None
) -> Category:
    """A category, or a subcategory of `parent` (one level only)."""
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": f"{parent} is already a subcategory"})
    taken = Category.objects.filter(parent=parent, name__iexact=name)
    if taken.exists():
        raise ValidationError({"name": f"{name!r} exists already here"})
    category = Category(name=name, parent=parent)
    category.full_clean(validate_constraints=False)
    category.save()
    record_event(
        EventType.CATEGORY_CREATED, category, actor=actor, changes=_created_changes(category)
    )
    return category


@transaction.atomic
def do_ensure_categories(
    pairs: Iterable[tuple[str, str | None]], *, source: str
) -> dict[tuple[str, str | None], Category]:
    """Categories and subcategories named in imported data, as (category, subcategory or None)
    -> the record of the deepest level named; missing ones are created and journaled."""
    pairs = set(pairs)
    tops = {
        category.name: category
        for category in Category.objects.filter(parent=None, name__in={top for top, _ in pairs})
    }
    created: list[Category] = []
    for top in sorted({top for top, _ in pairs} - set(tops)):
        tops[top] = Category(name=top)
        created.append(tops[top])
    Category.objects.bulk_create([c for c in created if c.parent is None])
    subs = {
        (category.parent.name, category.name): category
        for category in Category.objects.filter(
            parent__in=[tops[top] for top, sub in pairs if sub], name__in={s for _, s in pairs}
        ).select_related("parent")
    }
    new_subs = [
        Category(name=sub, parent=tops[top])
        for top, sub in sorted(p for p in pairs if p[1] is not None)
        if (top, sub) not in subs
    ]
    Category.objects.bulk_create(new_subs)
    subs.update(((sub.parent.name, sub.name), sub) for sub in new_subs)
    created.extend(new_subs)
    if created and created[0].pk is None:  # no ids back from the bulk insert
        raise RuntimeError("the database did not return the new categories' ids")
    record_events(
        [
            build_event(
                EventType.CATEGORY_CREATED,
                category,
                actor=None,
                actor_repr=source,
                changes=_created_changes(category),
            )
            for category in created
        ]
    )
    return {(top, sub): subs[(top, sub)] if sub else tops[top] for top, sub in pairs}
