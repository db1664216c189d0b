"""/notifications/failed/: the mail Kaizen gave up sending, for administrators."""

import pytest
from django.utils import timezone

from kaizen.notifications.models import Notification
from kaizen.testing import PASSWORD, assert_constant_queries

pytestmark = pytest.mark.django_db

URL = "/notifications/failed/"
COMMON = {"address": "kim@example.com", "category": "incident", "text": "T"}


def given_up(settings, subject: str = "Given up", **fields) -> Notification:
    fields.setdefault("attempts", settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS)
    return Notification.objects.create(subject=subject, **COMMON, **fields)


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_everyone_but_administrators(client, agent, requester):
    for username in ("alan", "rita"):
        client.login(username=username, password=PASSWORD)
        assert client.get(URL).status_code == 403


def test_it_lists_only_mail_given_up_with_its_last_error(client, admin_user, settings):
    given_up(settings, "Mailbox full", last_error="552 mailbox full")
    given_up(settings, "Still trying", attempts=1)
    given_up(settings, "Sent at last", sent_at=timezone.now())
    client.login(username="ada", password=PASSWORD)
    response = client.get(URL)
    assert [n.subject for n in response.context["object_list"]] == ["Mailbox full"]
    assert "552 mailbox full" in response.content.decode()


def test_it_says_plainly_when_nothing_failed(client, admin_user):
    client.login(username="ada", password=PASSWORD)
    assert "Every e-mail was sent: none failed." in client.get(URL).content.decode()


def test_it_lists_in_a_constant_number_of_queries(client, admin_user, settings):
    client.login(username="ada", password=PASSWORD)
    given_up(settings)
    assert_constant_queries(
        "notifications",
        "failed_list",
        lambda: client.get(URL),
        lambda: [given_up(settings, recipient=admin_user) for _ in range(3)],
    )
