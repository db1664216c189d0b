"""What the requester hears by e-mail at each step of their request, and what they do not
(their own moves and comments, work notes); and the honest estimate's words."""

import datetime as dt

import pytest

from kaizen.notifications.models import Notification
from kaizen.people.models import UserKind
from kaizen.requests.services.activity import do_add_request_comment
from kaizen.requests.services.lifecycle import (
    conclude_approval,
    do_cancel_request,
    do_fail_request,
)
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita():
    return make_user("rita", kind=UserKind.REQUESTER, first_name="Rita")


def mails() -> list[tuple[str, str]]:
    """What the requesters were told (the approvers' and teams' mails have their own tests)."""
    return list(
        Notification.objects.filter(category="request_updates")
        .order_by("pk")
        .values_list("recipient__username", "subject")
    )


def test_the_requester_hears_of_submission_approval_and_rejection(rita):
    approver = make_user("olga")
    request_type = make_request_type(
        name="Drive access",
        steps=[{"name": "Owner", "approver_source": "people", "people": [approver.pk]}],
    )
    first = make_request(request_type, rita)
    second = make_request(request_type, rita)
    conclude_approval(first, approved=True, actor=approver, at=dt.datetime.now(dt.UTC))
    conclude_approval(
        second, approved=False, actor=approver, at=dt.datetime.now(dt.UTC), reason="No budget"
    )
    assert mails() == [
        ("rita", f"[{first.number}] Received: Drive access"),
        ("rita", f"[{second.number}] Received: Drive access"),
        ("rita", f"[{first.number}] Approved: Drive access"),
        ("rita", f"[{second.number}] Not approved: Drive access"),
    ]
    received = Notification.objects.filter(recipient=rita).order_by("pk").first()
    assert "It now waits for approval" in received.text
    rejected = Notification.objects.get(subject__startswith=f"[{second.number}] Not")
    assert "Why: No budget" in rejected.text and "Why: No budget" in rejected.html


def test_a_cancellation_by_someone_else_and_a_failure_are_told(rita):
    agent = make_user("alan")
    request_type = make_request_type(name="Phone")
    own = make_request(request_type, rita)
    theirs = make_request(request_type, rita)
    failed = make_request(request_type, rita)
    Notification.objects.all().delete()
    do_cancel_request(own, actor=rita, reason="Not needed")  # her own: no mail
    do_cancel_request(theirs, actor=agent, reason="Duplicate of another")
    do_fail_request(failed, "Out of stock for months", actor=agent)
    assert mails() == [
        ("rita", f"[{theirs.number}] Cancelled: Phone"),
        ("rita", f"[{failed.number}] Could not be delivered: Phone"),
    ]
    cancelled = Notification.objects.get(subject__contains="Cancelled")
    assert "cancelled by Alan" in cancelled.text and "Duplicate of another" in cancelled.text


def test_comments_but_not_work_notes_or_her_own_reach_her(rita):
    agent = make_user("alan")
    request = make_request(make_request_type(name="Phone"), rita)
    Notification.objects.all().delete()
    do_add_request_comment(request, "Which colour?", actor=agent)
    do_add_request_comment(request, "internal", actor=agent, is_work_note=True)
    do_add_request_comment(request, "Black", actor=rita)
    assert mails() == [("rita", f"[{request.number}] New comment: Phone")]
    assert "Which colour?" in Notification.objects.get().text
