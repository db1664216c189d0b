"""Failed sign-ins are counted per account and per address: at the limit that account or
address is refused for a while, even with the right password. Each sign-in, failure, lock-out
and refused API token is journaled on the person concerned."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.tests.helpers import events_for
from kaizen.testing import PASSWORD, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("axes_on"),
]


@pytest.fixture
def axes_on():
    with override_settings(
        AXES_ENABLED=True,
        AXES_FAILURE_LIMIT=5,
        AXES_COOLOFF_TIME=dt.timedelta(minutes=15),
    ):
        yield


@pytest.fixture
def django_cache():
    """The cache the token failures are counted in, empty before and after the test."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def journaled(user):
    return [(event.event_type, event.data.get("address")) for event in events_for(user)][1:]


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    tom = make_user("tom")
    for _ in range(4):
        assert sign_in(client, "tom", "wrong-password-1").status_code == 200  # the form again
    locked = sign_in(client, "tom", "wrong-password-1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "After 5 failed attempts" in page and "paused for 15 minutes" in page
    assert sign_in(client, "tom", PASSWORD).status_code == 429  # right password, still locked
    assert sign_in(client, "tom", PASSWORD, address="198.51.100.9").status_code == 429
    assert "_auth_user_id" not in client.session
    # Each attempt once: four failures, then the one reaching the limit and the two refused
    # while locked, as lock-outs.
    assert journaled(tom) == [
        *[(EventType.USER_SIGNIN_FAILED, "203.0.113.7")] * 4,
        (EventType.USER_LOCKED_OUT, "203.0.113.7"),
        (EventType.USER_LOCKED_OUT, "203.0.113.7"),
        (EventType.USER_LOCKED_OUT, "198.51.100.9"),
    ]
    assert events_for(tom)[-1].data["minutes"] == 15


def test_five_failures_from_one_address_lock_the_address_for_every_account(client):
    for number in range(5):
        sign_in(client, f"nobody{number}", "guessing-passwords")  # accounts that do not exist
    ada = make_user("ada")
    assert sign_in(client, "ada", PASSWORD).status_code == 429
    assert sign_in(client, "ada", PASSWORD, address="198.51.100.9").status_code == 302
    assert journaled(ada) == [
        (EventType.USER_LOCKED_OUT, "203.0.113.7"),  # refused: the address is locked
        (EventType.USER_SIGNED_IN, "198.51.100.9"),
    ]


def test_a_sign_in_before_the_limit_clears_the_failures(client):
    make_user("tom")
    for _ in range(4):
        sign_in(client, "tom", "wrong-password-1")
    assert sign_in(client, "tom", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):  # four more are again below the limit
        sign_in(client, "tom", "wrong-password-1")
    assert sign_in(client, "tom", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client):
    make_user("tom")
    for _ in range(5):
        sign_in(client, "tom", "wrong-password-1")
    assert sign_in(client, "tom", PASSWORD).status_code == 429
    # The attempts as the database holds them, 16 minutes older.
    older = dt.timedelta(minutes=16)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= older
        attempt.save(update_fields=["attempt_time"])
    assert sign_in(client, "tom", PASSWORD).status_code == 302


def test_a_revoked_or_expired_token_is_refused_and_journaled_on_its_owner():
    tom = make_user("tom")
    token, secret = services.do_create_api_token(tom, name="laptop script", actor=tom)
    services.do_revoke_api_token(token, actor=tom)
    client = APIClient()
    response = client.get(
        "/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="192.0.2.4"
    )
    assert response.status_code == 401
    event = events_for(tom)[-1]
    assert (event.event_type, event.actor, event.data) == (
        EventType.TOKEN_REFUSED,
        None,
        {"address": "192.0.2.4", "token": "laptop script", "reason": "revoked"},
    )
    unknown = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert unknown.status_code == 401  # nobody's token: nothing to journal it on
    assert events_for(tom)[-1] == event


def test_failed_tokens_from_one_address_lock_it_out_of_the_api(django_cache):
    """Guessing tokens is as slow as guessing passwords: at the limit the address gets 429,
    even with a good token; another address is not affected."""
    tom = make_user("tom")
    _, good = services.do_create_api_token(tom, name="ci", actor=tom)
    api = APIClient()

    def call(token, address="203.0.113.7"):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api.get("/api/v1/services/", REMOTE_ADDR=address)

    assert call(good).status_code == 200
    for attempt in range(5):
        assert call(f"guess-{attempt}").status_code == 401
    refused = call(good)
    assert refused.status_code == 429 and refused["Retry-After"] == "900"
    assert "try again in 15 minutes" in refused.json()["detail"]
    assert call(good, address="198.51.100.9").status_code == 200
    django_cache.clear()  # the cool-off over
    assert call(good).status_code == 200


def test_a_good_token_clears_the_address_failures(django_cache):
    tom = make_user("tom")
    _, good = services.do_create_api_token(tom, name="ci", actor=tom)
    api = APIClient()
    for round_ in range(3):
        for attempt in range(4):
            api.credentials(HTTP_AUTHORIZATION=f"Bearer guess-{round_}-{attempt}")
            assert api.get("/api/v1/services/").status_code == 401
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
        assert api.get("/api/v1/services/").status_code == 200
