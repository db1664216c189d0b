"""Incident categories: reference data for routing and for the improvement analyses."""

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.incidents.models import Category
from kaizen.people.models import User


@transaction.atomic
def do_create_category(
    name: str, *, actor: User | None, parent: Category | None = None
) -> Category:
    """A category, or a subcategory of `parent` (one level only).

    Not journaled yet: kaizen/journal/events.py has no category event types.
    """
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": f"{parent} is already a subcategory"})
    taken = Category.objects.filter(parent=parent, name__iexact=name)
    if taken.exists():
        raise ValidationError({"name": f"{name!r} exists already here"})
    category = Category(name=name, parent=parent)
    category.full_clean(validate_constraints=False)
    category.save()
    return category
