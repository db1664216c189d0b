from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import ApiToken, hash_token
from kaizen.people.tests.helpers import api_client, assert_constant_queries, events_for
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/"


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_it_answers_401_without_credentials():
    assert api_client().get(URL).status_code == 401


def test_it_lists_only_my_own_tokens(agent, requester):
    services.do_create_api_token(agent, "alan-ci", actor=agent)
    services.do_create_api_token(requester, "rita-script", actor=requester)
    response = api_client(requester).get(URL)
    assert [t["name"] for t in response.json()["results"]] == ["rita-script"]
    token = response.json()["results"][0]
    assert token["status"] == "active" and "token" not in token and "key_hash" not in token


def test_it_returns_the_secret_once_and_keeps_only_its_hash(requester):
    client = api_client(requester)
    expires_at = (timezone.now() + timedelta(days=7)).isoformat()
    response = client.post(URL, {"name": "monitoring", "expires_at": expires_at})
    assert response.status_code == 201, response.content
    secret = response.json()["token"]
    stored = ApiToken.objects.get(pk=response.json()["id"])
    assert stored.key_hash == hash_token(secret) and secret.startswith(stored.prefix)
    assert "token" not in client.get(f"{URL}{stored.pk}/").json()
    assert with_token(secret).get("/api/v1/users/me/").json()["username"] == "rita"
    assert events_for(requester)[-1].event_type == EventType.API_TOKEN_CREATED


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "ci", "expires_at": "soon"}, "expires_at"),
    ],
)
def test_it_names_the_field_of_a_bad_token(agent, data, field):
    response = api_client(agent).post(URL, data)
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_which_then_stops_working(agent):
    token, secret = services.do_create_api_token(agent, "ci", actor=agent)
    assert api_client(agent).delete(f"{URL}{token.pk}/").status_code == 204
    response = with_token(secret).get(URL)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    listed = api_client(agent).get(URL).json()["results"][0]
    assert listed["status"] == "revoked" and listed["revoked_at"] is not None
    # The revocation, then the refused use of the revoked token.
    assert [event.event_type for event in events_for(agent)[-2:]] == [
        EventType.API_TOKEN_REVOKED,
        EventType.TOKEN_REFUSED,
    ]


def test_it_hides_other_peoples_tokens_even_from_administrators(agent, admin_user):
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    client = api_client(admin_user)
    assert client.get(f"{URL}{token.pk}/").status_code == 404
    assert client.delete(f"{URL}{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_does_not_edit_tokens(agent):
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    assert api_client(agent).patch(f"{URL}{token.pk}/", {"name": "x"}).status_code == 405


def test_it_lists_tokens_in_a_constant_number_of_queries(agent):
    services.do_create_api_token(agent, "first", actor=agent)

    def more_tokens():
        for number in range(5):
            services.do_create_api_token(agent, f"token {number}", actor=agent)
        services.do_create_api_token(make_user(), "not mine", actor=None)

    assert_constant_queries(api_client(agent), URL, "api_token_list", more_tokens)
