"""Incident categories: reference data for routing and for the improvement analyses."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kaizen.incidents.models import Category
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, build_event, record_event, record_events
from kaizen.journal.tracking import TrackedRecord
from kaizen.people.models import User

CATEGORY_FIELDS = ("name", "parent")
# What an existing category can change. The parent is fixed: incidents filed under a
# subcategory name its parent as their category, and moving it would break that pair.
UPDATABLE_FIELDS = ("name", "is_active")
# The fields its events report, for `kaizen journal verify` (kaizen/journal/verify.py). A
# category has no version: do_update_category locks and re-reads the row and applies only the
# fields given, so two edits of different fields both hold.
CATEGORIES = TrackedRecord(
    model=Category, tracked_fields=("name", "parent", "is_active"), label_field="name"
)


def _created_changes(category: Category) -> dict[str, dict]:
    parent = category.parent
    return {
        "name": {"old": None, "new": category.name},
        "parent": {"old": None, "new": {"id": parent.pk, "repr": str(parent)} if parent else None},
    }


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "give the category a name"})
    return name


def _check_name_free(name: str, parent: Category | None, exclude: Category | None = None) -> None:
    taken = Category.objects.filter(parent=parent, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        where = f"under {parent.name}" if parent else "among the top-level categories"
        raise ValidationError({"name": f"{name!r} exists already {where}"})


def _save(category: Category) -> None:
    """Save, turning a name taken by a concurrent writer (the unique constraints) into the same
    error the check gives."""
    category.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError as exc:
        raise ValidationError({"name": f"{category.name!r} exists already here"}) from exc


@transaction.atomic
def do_create_category(
    name: str, *, actor: User | None, parent: Category | None = None
) -> Category:
    """A category, or a subcategory of `parent` (one level only; the parent must be active).
    Names are unique per parent, whatever their case."""
    name = _clean_name(name)
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": f"{parent} is already a subcategory"})
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": f"{parent} is no longer used: activate it first"})
    _check_name_free(name, parent)
    category = Category(name=name, parent=parent)
    _save(category)
    record_event(
        EventType.CATEGORY_CREATED, category, actor=actor, changes=_created_changes(category)
    )
    return category


@transaction.atomic
def do_update_category(category: Category, *, actor: User | None, **fields: Any) -> Category:
    """Rename, deactivate or activate a category (UPDATABLE_FIELDS; `parent` only unchanged).

    Deactivating a category deactivates its active subcategories too (each journaled); a
    deactivated one leaves the incident form's choices but stays on the incidents filed under
    it. A subcategory is activated only under an active parent. Nothing changed: no event.
    """
    locked = (
        Category.objects.select_for_update(of=("self",))
        .select_related("parent")
        .get(pk=category.pk)
    )
    if "parent" in fields:
        parent = fields.pop("parent")
        if getattr(parent, "pk", parent) != locked.parent_id:
            raise ValidationError(
                {
                    "parent": "a category keeps its parent (incidents are filed under the pair); "
                    "create the subcategory under the other category and deactivate this one"
                }
            )
    if "name" in fields:
        fields["name"] = _clean_name(fields["name"])
    changes = apply_changes(locked, fields, UPDATABLE_FIELDS)
    if "name" in changes:
        _check_name_free(locked.name, locked.parent, exclude=locked)
    if changes.get("is_active", {}).get("new") and locked.parent and not locked.parent.is_active:
        raise ValidationError(
            {"is_active": f"{locked.parent} is no longer used: activate it first"}
        )
    if not changes:
        return locked
    _save(locked)
    record_event(EventType.CATEGORY_UPDATED, locked, actor=actor, changes=changes)
    if changes.get("is_active", {}).get("new") is False:
        _deactivate_children(locked, actor=actor)
    category.name, category.is_active = locked.name, locked.is_active
    return locked


def _deactivate_children(parent: Category, *, actor: User | None) -> None:
    children = list(
        Category.objects.select_for_update().filter(parent=parent, is_active=True).order_by("pk")
    )
    for child in children:
        child.parent = parent
        child.is_active = False
        child.save(update_fields=["is_active"])
        record_event(
            EventType.CATEGORY_UPDATED,
            child,
            actor=actor,
            changes={"is_active": {"old": True, "new": False}},
            data={"reason": f"{parent.name} was deactivated"},
        )


def _folded(name: str) -> str:
    return name.casefold()


def _bulk_create(categories: list[Category]) -> None:
    Category.objects.bulk_create(categories)
    if categories and categories[0].pk is None:  # no ids back from the bulk insert
        raise RuntimeError("the database did not return the new categories' ids")


@transaction.atomic
def do_ensure_categories(
    pairs: Iterable[tuple[str, str | None]], *, source: str
) -> dict[tuple[str, str | None], Category]:
    """Categories and subcategories named in imported data, as (category, subcategory or None)
    -> the record of the deepest level named; missing ones are created and journaled.

    Names match whatever their case, as names are unique in the UI: "network" in a file is
    the "Network" category, and "VPN" and "vpn" under it are one subcategory (created with
    the first spelling in sort order). Categories are few, so they are matched here, not in
    SQL, whose lower() folds only ASCII letters on SQLite."""
    pairs = set(pairs)
    tops = {_folded(category.name): category for category in Category.objects.filter(parent=None)}
    new_tops: list[Category] = []
    for top in sorted({top for top, _ in pairs}):
        if _folded(top) not in tops:
            tops[_folded(top)] = Category(name=top)
            new_tops.append(tops[_folded(top)])
    _bulk_create(new_tops)
    parents = {top: tops[_folded(top)] for top, sub in pairs if sub}
    subs = {
        (category.parent_id, _folded(category.name)): category
        for category in Category.objects.filter(parent__in=list(parents.values()))
    }
    new_subs: list[Category] = []
    for top, sub in sorted(pair for pair in pairs if pair[1] is not None):
        key = (parents[top].pk, _folded(sub))
        if key not in subs:
            subs[key] = Category(name=sub, parent=parents[top])
            new_subs.append(subs[key])
    _bulk_create(new_subs)
    record_events(
        [
            build_event(
                EventType.CATEGORY_CREATED,
                category,
                actor=None,
                actor_repr=source,
                changes=_created_changes(category),
            )
            for category in [*new_tops, *new_subs]
        ]
    )
    return {
        (top, sub): subs[(parents[top].pk, _folded(sub))] if sub else tops[_folded(top)]
        for top, sub in pairs
    }
