"""What the requester hears by e-mail about their request: submitted, approved or rejected,
on hold waiting for them, fulfilled, failed, cancelled by someone else, and each comment the
service desk writes to them. Mail goes out after commit (kaizen.notifications).

The person it is for hears, and whoever submitted it for them; never the person who acted.
"""

from typing import Any

from kaizen.notifications import services as notifications
from kaizen.people.models import User
from kaizen.requests.models import HoldReason, RequestComment, ServiceRequest, State

UPDATES = "request_updates"
TEMPLATE = "request_update"

# What each move tells the requester (a move not listed is not worth a mail: the approval
# starting right after submission is said by the "submitted" mail, for instance).
NEWS = {
    State.APPROVED: "approved",
    State.REJECTED: "rejected",
    State.FULFILLED: "fulfilled",
    State.FAILED: "failed",
    State.CANCELLED: "cancelled",
}


def _recipients(request: ServiceRequest, actor: User | None) -> list[User]:
    people = [request.requested_for]
    if request.requested_by_id != request.requested_for_id:
        people.append(request.requested_by)
    return [
        person for person in people if person.is_active and (actor is None or person.pk != actor.pk)
    ]


def _tell(request: ServiceRequest, news: str, actor: User | None, **extra: Any) -> None:
    people = _recipients(request, actor)
    if not people:
        return
    context = {
        "service_request": request,
        "news": news,
        "actor": actor,
        "url": request.get_absolute_url(),
        **extra,
    }
    notifications.queue_notification(TEMPLATE, people, context, category=UPDATES)


def request_moved(
    request: ServiceRequest, source: State, target: State, *, actor: User | None = None
) -> None:
    """Called by services/lifecycle.py `_move` after each move."""
    if source == State.SUBMITTED and target != State.CANCELLED:
        # One mail, whether the approval starts or it was approved at once.
        _tell(request, "submitted", _submitter(request))
        return
    if target == State.APPROVED and source != State.AWAITING_APPROVAL:
        return  # back from hold, or approved at once (said by the "submitted" mail)
    if target == State.ON_HOLD and request.hold_reason == HoldReason.AWAITING_REQUESTER:
        _tell(request, "awaiting_requester", actor)
        return
    news = NEWS.get(target)
    if news is None:
        return
    if news == "cancelled" and actor is not None and actor.pk == request.requested_for_id:
        return  # they cancelled it themselves
    _tell(request, news, actor)


def _submitter(request: ServiceRequest) -> User | None:
    """The person who filled the form does not need the mail; the person it is for does."""
    if request.requested_by_id == request.requested_for_id:
        return None  # a receipt for the requester
    return request.requested_by


def request_commented(request: ServiceRequest, comment: RequestComment, actor: User | None) -> None:
    """A comment (not a work note) from someone other than the requester."""
    if comment.is_work_note:
        return
    _tell(request, "comment", actor, comment=comment)
