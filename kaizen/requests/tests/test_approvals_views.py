"""The approval pages: the inbox (own and delegated decisions, no N+1), deciding from it, the
request page's panel, the one-time e-mail link page (no sign-in; single use, expiry, tamper)
and the delegation page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaizen.notifications.models import Notification
from kaizen.people.delegations import do_delegate
from kaizen.people.models import Delegation, UserKind
from kaizen.requests.approval_views import approvals_panel
from kaizen.requests.models import ApprovalVote, Decision, State
from kaizen.requests.services.approvals import do_decide
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db
INBOX = "/requests/approvals/"
HOUR = dt.timedelta(hours=1)


def people_type(people, policy="any", **extra):
    step = {
        "name": "Budget holders",
        "approver_source": "people",
        "people": [person.pk for person in people],
        "policy": policy,
        **extra,
    }
    return make_request_type(steps=[step], price="1200.00")


def link_of(approver, decision="approve") -> str:
    """The path of the approver's link in their e-mail."""
    mail = Notification.objects.filter(recipient=approver).latest("id")
    url = re.search(r"(/requests/approvals/link/\S+/)\?decision=" + decision, mail.text)
    assert url, mail.text
    return url.group(1)


# -- inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_own_and_delegated_decisions_with_due_dates(client):
    ann, bob = make_user("ann"), make_user("bob")
    requester = make_user("rita", kind=UserKind.REQUESTER)
    now = timezone.now()
    do_delegate(bob, ann, starts_at=now - HOUR, ends_at=now + 48 * HOUR, actor=bob)
    mine = make_request(people_type([ann], due_hours=24), requester, title="Laptop for Rita")
    for_bob = make_request(people_type([bob]), requester, title="Monitor for Rita")
    other = make_request(people_type([make_user("cid")]), requester, title="Not Ann's")
    client.force_login(ann)
    page = client.get(INBOX).content.decode()
    assert mine.number in page and for_bob.number in page
    assert other.number not in page
    assert "for Bob" in page  # the delegated one says whose it is
    assert "due " in page and "then rejected by default" in page
    assert "no due date" in page


def test_the_inbox_needs_a_sign_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_inbox_reads_in_constant_queries():
    # No N+1: one more waiting decision (another type, requester, approver by delegation)
    # costs no more queries. Counted here rather than in query_counts.json (the portal's).
    ann = make_user("ann")
    requester = make_user(kind=UserKind.REQUESTER)
    now = timezone.now()
    make_request(people_type([ann], due_hours=4), requester)
    from django.test import Client

    client = Client()
    client.force_login(ann)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured.captured_queries)

    client.get(INBOX)
    before = count()
    away = make_user("bob")
    do_delegate(away, ann, starts_at=now - HOUR, ends_at=now + HOUR, actor=away)
    for _ in range(3):
        make_request(people_type([away]), make_user(kind=UserKind.REQUESTER))
        make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    assert count() == before


def test_deciding_from_the_inbox(client):
    ann = make_user("ann")
    request = make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    client.force_login(ann)
    response = client.post(
        f"/requests/{request.number}/decide/",
        {"decision": "approve", "comment": "ok", "next": INBOX},
    )
    assert response.status_code == 302 and response["Location"] == INBOX
    request.refresh_from_db()
    assert request.state == State.APPROVED
    page = client.get(INBOX).content.decode()
    assert f"You approved {request.number}. It is now approved." in page
    assert "Nothing waits for your decision." in page


def test_deciding_ones_own_request_is_refused_in_words(client):
    requester = make_user("rita")
    ann = make_user("ann")
    request = make_request(people_type([ann, requester]), requester)
    client.force_login(requester)
    response = client.post(
        f"/requests/{request.number}/decide/", {"decision": "approve", "next": INBOX}
    )
    assert response.status_code == 302
    page = client.get(INBOX).content.decode()
    assert "Not decided: You cannot decide the approval of" in page
    request.refresh_from_db()
    assert request.state == State.AWAITING_APPROVAL


def test_a_bad_decision_names_the_field(client):
    ann = make_user("ann")
    request = make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    client.force_login(ann)
    client.post(f"/requests/{request.number}/decide/", {"decision": "maybe", "next": INBOX})
    page = client.get(INBOX).content.decode()
    assert "Not decided: Decision: Select a valid choice." in page


def test_a_delegate_decides_from_the_inbox_for_the_approver(client):
    ann, bob = make_user("ann"), make_user("bob")
    now = timezone.now()
    do_delegate(bob, ann, starts_at=now - HOUR, ends_at=now + HOUR, actor=bob)
    request = make_request(people_type([bob]), make_user(kind=UserKind.REQUESTER))
    client.force_login(ann)
    client.post(
        f"/requests/{request.number}/decide/",
        {"decision": "reject", "comment": "Not now", "on_behalf_of": bob.pk, "next": INBOX},
    )
    vote = ApprovalVote.objects.get(approval__request=request)
    assert (vote.approver, vote.decided_by, vote.decision) == (bob, ann, Decision.REJECTED)


# -- the request page's panel --------------------------------------------------------------


def test_the_panel_shows_the_steps_votes_and_the_form_to_whoever_may_decide():
    ann, bob = make_user("ann"), make_user("bob")
    requester = make_user("rita", kind=UserKind.REQUESTER)
    request = make_request(people_type([ann, bob], "all"), requester)
    do_decide(request, actor=ann, decision="approve", comment="Within budget")
    http = RequestFactory().get("/")
    http.user = bob
    html = render_to_string("requests/_approvals_panel.html", approvals_panel(http, request))
    assert "1. Budget holders" in html
    assert "1 of 2 approved, all are needed" in html
    assert "Within budget" in html
    assert f'action="/requests/{request.number}/decide/"' in html
    http.user = requester
    html = render_to_string("requests/_approvals_panel.html", approvals_panel(http, request))
    assert "/decide/" not in html  # the requester sees where it stands, without the form


# -- e-mail links -----------------------------------------------------------------------------


def test_opening_a_link_shows_the_request_and_never_decides(client):
    ann = make_user("ann")
    requester = make_user("rita", first_name="Rita", kind=UserKind.REQUESTER)
    request = make_request(people_type([ann]), requester, title="Laptop for Rita")
    response = client.get(link_of(ann) + "?decision=approve")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Laptop for Rita" in page and "New laptop" in page and "Rita" in page
    assert "1200.00 EUR" in page
    # The link's own decision is the highlighted button.
    assert "Confirm the approval" in page
    assert 'class="btn btn-success" type="submit" name="decision" value="approve"' in page
    # A GET (and a second one: mail scanners) decides nothing.
    client.get(link_of(ann))
    request.refresh_from_db()
    assert request.state == State.AWAITING_APPROVAL
    assert ApprovalVote.objects.get().link_used_at is None


def test_a_link_decides_once_then_says_so(client):
    ann = make_user("ann")
    request = make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    link = link_of(ann, "reject")
    response = client.post(link, {"decision": "reject", "comment": "Use the old one"})
    assert response.status_code == 200
    assert f"{request.number} rejected" in response.content.decode()
    request.refresh_from_db()
    assert request.state == State.REJECTED
    assert request.rejection_reason == "Use the old one"
    vote = ApprovalVote.objects.get()
    assert vote.decided_by == ann and vote.link_used_at is not None
    again = client.post(link, {"decision": "approve"})
    assert again.status_code == 410
    assert "This link was already used" in again.content.decode()
    assert client.get(link).status_code == 410


def test_the_stored_hash_is_not_the_token(client):
    ann = make_user("ann")
    make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    token = link_of(ann).rstrip("/").rsplit("/", 1)[1]
    vote = ApprovalVote.objects.get()
    assert len(vote.link_token_hash) == 64 and vote.link_token_hash not in token


def test_a_tampered_or_unknown_link_answers_like_a_missing_page(client):
    ann = make_user("ann")
    make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    link = link_of(ann)
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    unknown = "/requests/approvals/link/nothing-here/"
    answers = [client.post(path, {"decision": "approve"}) for path in (tampered, unknown)]
    assert [answer.status_code for answer in answers] == [404, 404]
    assert "This link is not valid" in answers[0].content.decode()
    assert answers[0].content == answers[1].content
    assert ApprovalVote.objects.get().decision == Decision.PENDING


def test_a_reissued_secret_makes_the_old_link_unknown(client):
    # The signature is right but the secret's hash is not the stored one.
    ann = make_user("ann")
    make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    link = link_of(ann)
    ApprovalVote.objects.update(link_token_hash="0" * 64)
    assert client.get(link).status_code == 404


def test_an_expired_link_cannot_decide(client):
    ann = make_user("ann")
    request = make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    vote = ApprovalVote.objects.get()
    # Issued for 7 days (the default).
    assert vote.link_expires_at - request.opened_at == dt.timedelta(days=7)
    ApprovalVote.objects.update(link_expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(link_of(ann), {"decision": "approve"})
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    request.refresh_from_db()
    assert request.state == State.AWAITING_APPROVAL


def test_the_link_expiry_is_configurable(settings):
    settings.KAIZEN_REQUEST_APPROVAL_LINK_DAYS = 2
    ann = make_user("ann")
    request = make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    vote = ApprovalVote.objects.get()
    assert vote.link_expires_at - request.opened_at == dt.timedelta(days=2)


def test_a_link_after_the_step_was_decided_elsewhere_says_it_is_not_needed(client):
    ann, bob = make_user("ann"), make_user("bob")
    request = make_request(people_type([ann, bob], "any"), make_user(kind=UserKind.REQUESTER))
    do_decide(request, actor=bob, decision="approve")
    response = client.get(link_of(ann))
    assert response.status_code == 410
    assert "no longer needed" in response.content.decode()


def test_a_link_form_without_a_decision_names_the_field(client):
    ann = make_user("ann")
    make_request(people_type([ann]), make_user(kind=UserKind.REQUESTER))
    response = client.post(link_of(ann), {"comment": "hm"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Decision: This field is required. Choose Approve or Reject." in page
    assert ApprovalVote.objects.get().decision == Decision.PENDING


# -- delegation page ---------------------------------------------------------------------


def test_setting_and_revoking_a_delegation(client):
    ann, bob = make_user("ann"), make_user("bob")
    client.force_login(ann)
    assert client.get("/requests/approvals/delegations/").status_code == 200
    response = client.post(
        "/requests/approvals/delegations/",
        {
            "delegate": bob.pk,
            "starts_at": "2099-03-02T09:00",
            "ends_at": "2099-03-09T09:00",
            "reason": "Leave",
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate, delegation.reason) == (ann, bob, "Leave")
    page = client.get("/requests/approvals/delegations/").content.decode()
    assert "Bob decides for you" in page
    client.post(f"/requests/approvals/delegations/{delegation.pk}/revoke/")
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_a_delegation_ending_before_it_starts_names_the_field(client):
    ann, bob = make_user("ann"), make_user("bob")
    client.force_login(ann)
    response = client.post(
        "/requests/approvals/delegations/",
        {"delegate": bob.pk, "starts_at": "2099-03-09T09:00", "ends_at": "2099-03-02T09:00"},
    )
    assert response.status_code == 200
    assert "the end must be after the start" in response.content.decode()
    assert not Delegation.objects.exists()


def test_only_the_delegator_revokes(client):
    ann, bob, eve = make_user("ann"), make_user("bob"), make_user("eve")
    now = timezone.now()
    delegation = do_delegate(ann, bob, starts_at=now, ends_at=now + HOUR, actor=ann)
    client.force_login(eve)
    response = client.post(f"/requests/approvals/delegations/{delegation.pk}/revoke/")
    assert response.status_code == 403
