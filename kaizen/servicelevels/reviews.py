"""Service reviews read and scheduled: the review periods of an SLA by its cadence, the daily
scheduling of the reviews due, who may see and work them, and the links a review's page gives
(its pack, the improvement register).

Periods run back to back from the agreement's start in whole cadence months: quarterly from
1 Jan is Jan-Mar, Apr-Jun...; from 15 Jan it is 15 Jan-14 Apr, 15 Apr-14 Jul... (each period's
first day is counted from the start, so a start on the 31st keeps to the month's last day). The
last period stops at the agreement's end. A review is due KAIZEN_SERVICE_REVIEW_DUE_DAYS after
its period's last day, and held on time when held by then.
"""

import calendar
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from kaizen.journal.models import JournalEvent
from kaizen.people.models import User
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    ReviewAction,
    ReviewStatus,
    ServiceReview,
)
from kaizen.servicelevels.permissions import can_view_agreements
from kaizen.servicelevels.services.reviews import do_schedule_review

# -- periods ------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, kept to the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class ReviewPeriod:
    start: dt.date
    end: dt.date  # the last day reviewed
    due_on: dt.date


def due_days() -> int:
    return int(getattr(settings, "KAIZEN_SERVICE_REVIEW_DUE_DAYS", 10))


def review_periods(agreement: Agreement) -> Iterator[ReviewPeriod]:
    """The agreement's review periods, first to last (endless while it has no end)."""
    if not agreement.review_cadence:
        return
    wait = dt.timedelta(days=due_days())
    index = 0
    while True:
        start = add_months(agreement.starts_on, index * agreement.review_cadence)
        if agreement.ends_on is not None and start > agreement.ends_on:
            return
        end = add_months(agreement.starts_on, (index + 1) * agreement.review_cadence)
        end -= dt.timedelta(days=1)
        if agreement.ends_on is not None:
            end = min(end, agreement.ends_on)
        yield ReviewPeriod(start, end, end + wait)
        index += 1


def ended_periods(agreement: Agreement, today: dt.date) -> list[ReviewPeriod]:
    """The periods whose last day is before `today`."""
    ended = []
    for period in review_periods(agreement):
        if period.end >= today:
            break
        ended.append(period)
    return ended


def period_in_words(start: dt.date, end: dt.date) -> str:
    """ "January - March 2026" for whole months, "15 Jan - 14 Apr 2026" otherwise."""
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_months:
        if (start.year, start.month) == (end.year, end.month):
            return f"{end:%B %Y}"
        if start.year == end.year:
            return f"{start:%B} – {end:%B %Y}"
        return f"{start:%B %Y} – {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def schedule_due_reviews(today: dt.date, *, actor: User | None = None) -> list[ServiceReview]:
    """Schedule the review of every ended period of each active SLA with a review cadence that
    has none yet (cancelled ones included: a period is reviewed once). Safe to run again: a
    re-run schedules nothing. Returns the reviews scheduled, oldest period first."""
    agreements = Agreement.objects.filter(
        kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE, review_cadence__isnull=False
    ).order_by("number")
    scheduled = []
    for agreement in agreements:
        reviewed = set(agreement.reviews.values_list("period_start", flat=True))
        for period in ended_periods(agreement, today):
            if period.start in reviewed:
                continue
            scheduled.append(
                do_schedule_review(
                    agreement,
                    actor=actor,
                    period_start=period.start,
                    period_end=period.end,
                    due_on=period.due_on,
                )
            )
    return scheduled


def reviews_for(user: User) -> QuerySet[ServiceReview]:
    """The reviews `user` may see (agents: all; anyone else: none), with what a list shows."""
    reviews = ServiceReview.objects.select_related("agreement", "agreement__customer")
    return reviews if can_view_agreements(user) else reviews.none()


def review_actions_for(user: User) -> QuerySet[ReviewAction]:
    actions = ReviewAction.objects.select_related("review", "review__agreement", "owner")
    return actions if can_view_agreements(user) else actions.none()


def review_timeline(review: ServiceReview, limit: int = 200) -> list[JournalEvent]:
    """The review's history with its actions', newest first, as shown on its page."""
    action_ids = [str(pk) for pk in review.actions.values_list("pk", flat=True)]
    of_review = Q(
        subject_type=ContentType.objects.get_for_model(ServiceReview), subject_id=str(review.pk)
    )
    of_actions = Q(
        subject_type=ContentType.objects.get_for_model(ReviewAction), subject_id__in=action_ids
    )
    events = JournalEvent.objects.filter(of_review | of_actions)
    return list(events.select_related("actor").order_by("-id")[:limit])


def is_overdue(review: ServiceReview, today: dt.date) -> bool:
    """Still scheduled after its due date."""
    return review.status == ReviewStatus.SCHEDULED and review.due_on < today


# -- links ---------------------------------------------------------------------------------------


def pack_url(review: ServiceReview) -> str:
    """The service level report of the review's period: its pack."""
    report = reverse("servicelevels:report", args=[review.agreement.number])
    return f"{report}?{urlencode({'from': review.period_start, 'to': review.period_end})}"


@dataclass(frozen=True)
class ImprovementRegister:
    """How a review's page reaches the improvement register, which sits above this app and
    registers itself from its AppConfig.ready(): the new-initiative form filled from an action,
    and the page of the initiative a reference names (None when it names none)."""

    new_initiative_url: Callable[[ReviewAction], str]
    initiative_url: Callable[[str], str | None]


_register: list[ImprovementRegister] = []


def register_improvement_register(register: ImprovementRegister) -> None:
    _register[:] = [register]


def improvement_register() -> ImprovementRegister | None:
    return _register[0] if _register else None


def action_links(action: ReviewAction) -> dict[str, Any]:
    """The register's links for an action: where it went, or where to take it."""
    register = improvement_register()
    if register is None:
        return {"initiative_url": None, "take_url": None}
    if action.improvement_reference:
        return {
            "initiative_url": register.initiative_url(action.improvement_reference),
            "take_url": None,
        }
    return {"initiative_url": None, "take_url": register.new_initiative_url(action)}
