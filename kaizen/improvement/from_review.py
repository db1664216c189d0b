"""An improvement initiative started from an action agreed at a service review
(`/improvement/new/?review_action=<id>`): the new initiative form filled from the review, and,
when the initiative is created, the action marked as taken into the register (its
`improvement_reference` names the initiative), in the same transaction.

The register sits above the service level app and reads it directly; the review's page learns
the register's links through `register()` (from this app's AppConfig.ready()), as the service
level app may not import this one."""

import re
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator

from kaizen.improvement.models import Initiative, Origin
from kaizen.improvement.services.initiatives import do_create_initiative
from kaizen.people.models import Process, User
from kaizen.people.permissions import is_agent
from kaizen.servicelevels import reviews
from kaizen.servicelevels.models import ReviewAction, ServiceReview
from kaizen.servicelevels.services.reviews import do_record_improvement_reference

PARAMETER = "review_action"
REFERENCE = re.compile(r"^CSI(\d+)$")


def review_action_for(user: User, action_id: str | int | None) -> ReviewAction | None:
    """The review action `action_id` if `user` may see it and it was not taken in yet."""
    if action_id is None or not str(action_id).strip().isdigit():
        return None
    action = reviews.review_actions_for(user).filter(pk=int(action_id)).first()
    if action is None or action.improvement_reference:
        return None
    return action


def _services_reviewed(review: ServiceReview) -> list[int]:
    """The services the agreement covered at the end of the period reviewed."""
    terms = (
        review.agreement.versions.filter(valid_from__lte=review.period_end)
        .order_by("-valid_from")
        .first()
    )
    return list(terms.services.values_list("pk", flat=True)) if terms else []


def origin_reference(action: ReviewAction) -> str:
    return Truncator(f"{action.review.number}: {action.title}").chars(200)


def initiative_initial(action: ReviewAction) -> dict[str, Any]:
    """The new initiative form's values for a review action (see `review_action_for`)."""
    review = action.review
    agreement = review.agreement
    period = reviews.period_in_words(review.period_start, review.period_end)
    parts = [
        f"Agreed at the service review {review.number} with {agreement.party} "
        f"({agreement.number} {agreement.name}, {period}): {action.title}."
    ]
    if review.minutes:
        parts.append(f"Minutes: {review.minutes}")
    initial: dict[str, Any] = {
        "title": action.title,
        "problem_statement": "\n\n".join(parts),
        "justification": f"Agreed with the customer at {review.number}.",
        "process": Process.SERVICE_LEVEL,
        "services": _services_reviewed(review),
        "origin": Origin.SERVICE_REVIEW,
        "origin_reference": origin_reference(action),
    }
    # An initiative starts today: a due date already past is left for the person to set.
    if action.due_on and action.due_on >= timezone.localdate():
        initial["due_on"] = action.due_on
    if action.owner_id and is_agent(action.owner):
        initial["owner"] = action.owner_id
    return initial


@transaction.atomic
def do_create_initiative_from_review_action(
    action: ReviewAction, *, actor: User | None, **fields: Any
) -> Initiative:
    """Create the initiative and mark the action as taken into the register as it: both or
    neither (an action taken in meanwhile refuses the second, naming the first)."""
    initiative = do_create_initiative(actor=actor, **fields)
    do_record_improvement_reference(action, actor=actor, reference=initiative.reference)
    return initiative


def _new_initiative_url(action: ReviewAction) -> str:
    return f"{reverse('improvement:initiative_create')}?{urlencode({PARAMETER: action.pk})}"


def _initiative_url(reference: str) -> str | None:
    matched = REFERENCE.match(reference)
    return reverse("improvement:initiative", args=[int(matched[1])]) if matched else None


def register() -> None:
    reviews.register_improvement_register(
        reviews.ImprovementRegister(
            new_initiative_url=_new_initiative_url, initiative_url=_initiative_url
        )
    )
