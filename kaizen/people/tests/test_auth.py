from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import ApiToken
from kaizen.people.tests.helpers import events_for, signed_in
from kaizen.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-42"


def test_it_signs_in_with_the_right_password(client, agent):
    response = client.post("/login/", {"username": "alan", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/profile/").status_code == 200


def test_it_refuses_a_wrong_password(client, agent):
    response = client.post("/login/", {"username": "alan", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get("/profile/").status_code == 302


def test_it_refuses_a_deactivated_person(client, admin_user, agent):
    services.do_update_user(agent, actor=admin_user, is_active=False)
    response = client.post("/login/", {"username": "alan", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/profile/").status_code == 302


def test_it_signs_out_only_with_a_post(client, agent):
    signed_in(client, agent)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/profile/").status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/teams/",
        "/teams/service-desk/",
        "/teams/new/",
        "/people/",
        "/people/1/",
        "/people/new/",
        "/profile/",
        "/profile/tokens/",
        "/password/",
    ],
)
def test_it_sends_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_it_shows_the_password_form(client, agent):
    page = signed_in(client, agent).get("/password/").content.decode()
    assert 'name="old_password"' in page and 'class="form-control' in page


def test_it_changes_the_password_through_the_journal(client, agent):
    signed_in(client, agent)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/password/done/"
    assert "Password changed" in client.get("/password/done/").content.decode()
    assert client.get("/profile/").status_code == 200  # still signed in here
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    event = events_for(agent)[-1]
    assert event.event_type == EventType.USER_PASSWORD_CHANGED
    assert event.actor == agent
    assert NEW_PASSWORD not in str(event.changes) + str(event.data)


def test_it_shows_a_field_error_for_a_wrong_old_password(client, agent):
    signed_in(client, agent)
    response = client.post(
        "/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_old_password_errors"' in page
    assert "old password was entered incorrectly" in page
    assert events_for(agent)[-1].event_type != EventType.USER_PASSWORD_CHANGED


def test_it_shows_a_field_error_for_a_weak_new_password(client, agent):
    signed_in(client, agent)
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
    )
    assert 'id="id_new_password2_errors"' in response.content.decode()


# Bearer tokens


def bearer(secret: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


@pytest.mark.parametrize("keyword", ["Bearer", "Token"])
def test_it_accepts_a_valid_token(agent, keyword):
    _, secret = services.do_create_api_token(agent, "ci", actor=agent)
    response = bearer(secret, keyword).get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "alan"


def test_it_records_when_a_token_was_last_used(agent):
    token, secret = services.do_create_api_token(agent, "ci", actor=agent)
    assert token.last_used_at is None
    bearer(secret).get("/api/v1/users/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def _revoked(agent):
    token, secret = services.do_create_api_token(agent, "old", actor=agent)
    services.do_revoke_api_token(token, actor=agent)
    return secret


def _expired(agent):
    token, secret = services.do_create_api_token(
        agent, "old", actor=agent, expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return secret


def _deactivated_owner(agent):
    _, secret = services.do_create_api_token(agent, "old", actor=agent)
    services.do_update_user(agent, actor=None, is_active=False)
    return secret


@pytest.mark.parametrize(
    "make_secret",
    [_revoked, _expired, _deactivated_owner, lambda agent: "kz_not-a-real-token"],
    ids=["revoked", "expired", "inactive-user", "unknown"],
)
def test_it_answers_401_with_a_challenge_for_an_unusable_token(agent, make_secret):
    response = bearer(make_secret(agent)).get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_answers_401_for_a_malformed_header(agent):
    response = bearer("two words").get("/api/v1/users/me/")
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["detail"]


def test_it_answers_401_without_credentials():
    response = APIClient().get("/api/v1/users/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
