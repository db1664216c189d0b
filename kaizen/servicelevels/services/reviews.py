"""Service reviews and the actions agreed at them.

A review is scheduled for one period of an SLA (by the cadence: kaizen/servicelevels/reviews.py,
or by hand), due a few days after the period ends. While scheduled, its date, attendees and
minutes can be written down; it is then held (the day, who attended and the minutes are
required) or cancelled (with the reason). Minutes and attendees can still be corrected after
it is held; a cancelled review is closed. Actions are agreed at a review that is not cancelled;
each is open, done or dropped, and may be taken into the improvement register (its
`improvement_reference` names the initiative). Each write is journaled in its transaction.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.core.numbering import NumberFormat, next_number
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import User
from kaizen.people.permissions import is_agent
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    ReviewAction,
    ReviewActionStatus,
    ReviewStatus,
    ServiceReview,
)
from kaizen.servicelevels.services.base import REVIEW_ACTIONS, REVIEWS, moment

REVIEW_NUMBERS = NumberFormat(sequence="service_review", prefix="REV", digits=5)
# What may change on a review that is not cancelled (held or not), and on an action.
REVIEW_NOTES_FIELDS = ("scheduled_for", "attendees", "minutes")
ACTION_FIELDS = ("title", "owner", "due_on", "status")


def _check_period(agreement: Agreement, start: dt.date, end: dt.date, due_on: dt.date) -> None:
    errors: dict[str, str] = {}
    if agreement.kind != AgreementKind.SLA:
        errors["agreement"] = "Service reviews are held with the customer of an SLA."
    if end < start:
        errors["period_end"] = "The period ends on or after the day it starts."
    elif start < agreement.starts_on:
        errors["period_start"] = (
            f"The agreement starts on {agreement.starts_on:%d %b %Y}: a review period cannot "
            "start before it."
        )
    if due_on < end:
        errors["due_on"] = "A review is due on or after the last day of its period."
    if errors:
        raise ValidationError(errors)
    taken = ServiceReview.objects.filter(agreement=agreement, period_start=start).first()
    if taken is not None:
        raise ValidationError(
            {"period_start": f"{taken.number} already reviews the period from {start:%d %b %Y}."}
        )


def _check_open(review: ServiceReview) -> None:
    if review.status == ReviewStatus.CANCELLED:
        raise ValidationError({"status": f"{review.number} was cancelled."})


@transaction.atomic
def do_schedule_review(
    agreement: Agreement,
    *,
    actor: User | None,
    period_start: dt.date,
    period_end: dt.date,
    due_on: dt.date,
    scheduled_for: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> ServiceReview:
    """A review of `agreement` over the period (its last day included), due on `due_on`.
    One review per period of an agreement."""
    at = moment(at)
    _check_period(agreement, period_start, period_end, due_on)
    review = ServiceReview(
        agreement=agreement,
        period_start=period_start,
        period_end=period_end,
        due_on=due_on,
        scheduled_for=scheduled_for,
        status=ReviewStatus.SCHEDULED,
        created_at=at,
        updated_at=at,
    )
    review.number = next_number(
        REVIEW_NUMBERS, taken=lambda number: ServiceReview.objects.filter(number=number).exists()
    )
    review.save()
    REVIEWS.record_created(EventType.REVIEW_SCHEDULED, review, actor=actor, at=at)
    return review


def _clean_notes(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("attendees", "minutes"):
        if name in values:
            values[name] = str(values[name] or "").strip()
    return values


@transaction.atomic
def do_update_review(
    review: ServiceReview,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> ServiceReview:
    """Set the meeting's date and time, or write down attendees and minutes (before the
    meeting, or to correct them after it was held)."""
    locked = REVIEWS.lock(review, expected_version)
    _check_open(locked)
    before = REVIEWS.snapshot(locked)
    values = _clean_notes(dict(fields))
    apply_changes(locked, values, REVIEW_NOTES_FIELDS)
    if locked.status == ReviewStatus.HELD:
        errors = {
            name: f"A held review keeps its {name}."
            for name in ("attendees", "minutes")
            if not getattr(locked, name)
        }
        if errors:
            raise ValidationError(errors)
    REVIEWS.finish(locked, review, before, EventType.REVIEW_UPDATED, actor=actor, at=at)
    return locked


@transaction.atomic
def do_hold_review(
    review: ServiceReview,
    *,
    actor: User | None,
    expected_version: int | None,
    held_on: dt.date | None,
    attendees: str,
    minutes: str,
    at: dt.datetime | None = None,
) -> ServiceReview:
    """Record that the review was held: the day, who attended, the minutes."""
    at = moment(at)
    locked = REVIEWS.lock(review, expected_version)
    if locked.status != ReviewStatus.SCHEDULED:
        raise ValidationError(
            {"status": f"{locked.number} is {locked.get_status_display().lower()} already."}
        )
    before = REVIEWS.snapshot(locked)
    values = _clean_notes({"attendees": attendees, "minutes": minutes})
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = "Give the day the review was held."
    elif held_on > timezone.localdate(at):
        errors["held_on"] = "A review is recorded as held on the day or after it."
    elif held_on < locked.period_start:
        errors["held_on"] = (
            f"The period reviewed starts on {locked.period_start:%d %b %Y}: the review cannot "
            "be held before it."
        )
    if not values["attendees"]:
        errors["attendees"] = "Say who attended (the customer's and ours)."
    if not values["minutes"]:
        errors["minutes"] = "Write down the minutes: what was reviewed and agreed."
    if errors:
        raise ValidationError(errors)
    apply_changes(
        locked, {**values, "held_on": held_on, "status": ReviewStatus.HELD}, REVIEWS.tracked_fields
    )
    REVIEWS.finish(locked, review, before, EventType.REVIEW_HELD, actor=actor, at=at)
    return locked


@transaction.atomic
def do_cancel_review(
    review: ServiceReview,
    *,
    actor: User | None,
    expected_version: int | None,
    reason: str,
    at: dt.datetime | None = None,
) -> ServiceReview:
    """Cancel a review not held: it no longer counts as due (the reason says why)."""
    locked = REVIEWS.lock(review, expected_version)
    if locked.status != ReviewStatus.SCHEDULED:
        raise ValidationError(
            {"status": f"{locked.number} is {locked.get_status_display().lower()} already."}
        )
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the review is cancelled."})
    if len(reason) > ServiceReview._meta.get_field("cancelled_reason").max_length:
        raise ValidationError({"reason": "At most 250 characters."})
    before = REVIEWS.snapshot(locked)
    apply_changes(
        locked,
        {"status": ReviewStatus.CANCELLED, "cancelled_reason": reason},
        REVIEWS.tracked_fields,
    )
    REVIEWS.finish(locked, review, before, EventType.REVIEW_CANCELLED, actor=actor, at=at)
    return locked


def _speaks_for_customer(person: User, action: ReviewAction) -> bool:
    customer_id = action.review.agreement.customer_id
    return customer_id is not None and person.customers_represented.filter(pk=customer_id).exists()


def _check_action(action: ReviewAction) -> None:
    errors: dict[str, str] = {}
    action.title = str(action.title or "").strip()
    if not action.title:
        errors["title"] = "Say what was agreed, e.g. “Send the P1 trend monthly”."
    elif len(action.title) > ReviewAction._meta.get_field("title").max_length:
        errors["title"] = "At most 200 characters."
    if action.status not in ReviewActionStatus.values:
        errors["status"] = "Open, done or dropped."
    owner = action.owner if action.owner_id is not None else None
    if owner is not None and not owner.is_active:
        errors["owner"] = f"{owner} can no longer sign in."
    elif owner is not None and not is_agent(owner) and not _speaks_for_customer(owner, action):
        errors["owner"] = (
            f"{owner} is neither IT staff nor someone who speaks for "
            f"{action.review.agreement.party}."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_add_review_action(
    review: ServiceReview,
    *,
    actor: User | None,
    title: str,
    owner: User | None = None,
    due_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> ReviewAction:
    """An action agreed at the review, open, with its owner and due date when known."""
    at = moment(at)
    locked = REVIEWS.lock(review, None)
    _check_open(locked)
    action = ReviewAction(
        review=locked,
        title=title,
        owner=owner,
        due_on=due_on,
        status=ReviewActionStatus.OPEN,
        created_at=at,
        updated_at=at,
    )
    _check_action(action)
    action.save()
    REVIEW_ACTIONS.record_created(EventType.REVIEW_ACTION_ADDED, action, actor=actor, at=at)
    return action


@transaction.atomic
def do_update_review_action(
    action: ReviewAction,
    *,
    actor: User | None,
    expected_version: int | None,
    fields: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> ReviewAction:
    """Change what an action says, its owner, due date or status (open, done, dropped)."""
    locked = REVIEW_ACTIONS.lock(action, expected_version)
    before = REVIEW_ACTIONS.snapshot(locked)
    apply_changes(locked, fields, ACTION_FIELDS)
    _check_action(locked)
    REVIEW_ACTIONS.finish(
        locked, action, before, EventType.REVIEW_ACTION_UPDATED, actor=actor, at=at
    )
    return locked


@transaction.atomic
def do_record_improvement_reference(
    action: ReviewAction,
    *,
    actor: User | None,
    reference: str,
    at: dt.datetime | None = None,
) -> ReviewAction:
    """The action was taken into the improvement register as `reference` (e.g. CSI00012):
    called by the register when it creates the initiative, in the same transaction. An action
    is taken in once."""
    locked = REVIEW_ACTIONS.lock(action, None)
    if locked.improvement_reference:
        raise ValidationError(
            {
                "improvement_reference": f"The action was taken into the register as "
                f"{locked.improvement_reference} already."
            }
        )
    before = REVIEW_ACTIONS.snapshot(locked)
    locked.improvement_reference = reference.strip()
    REVIEW_ACTIONS.finish(
        locked, action, before, EventType.REVIEW_ACTION_UPDATED, actor=actor, at=at
    )
    return locked
