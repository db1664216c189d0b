"""Sign-in ends after a while without activity, and some hours after signing in however busy."""

import pytest
from django.test import override_settings

from kaizen.core import middleware
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # an instant, in seconds


@pytest.fixture
def clock(monkeypatch):
    now = {"at": START}
    monkeypatch.setattr(middleware.time, "time", lambda: now["at"])
    return now


def signed_in_client(client):
    make_user("tom")
    assert client.post("/login/", {"username": "tom", "password": PASSWORD}).status_code == 302
    assert client.get("/incidents/queues/mine/").status_code == 200
    return client


@override_settings(KAIZEN_SESSION_IDLE_MINUTES=30, KAIZEN_SESSION_MAX_HOURS=12)
def test_it_signs_out_after_thirty_minutes_without_a_request(client, clock):
    signed_in_client(client)
    clock["at"] += 29 * 60
    assert client.get("/incidents/queues/mine/").status_code == 200  # 29 minutes idle: still in
    clock["at"] += 30 * 60 + 1
    response = client.get("/incidents/queues/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity. Sign in again." in page
    assert client.get("/incidents/queues/mine/").status_code == 302  # and stays out


@override_settings(KAIZEN_SESSION_IDLE_MINUTES=30, KAIZEN_SESSION_MAX_HOURS=12)
def test_it_signs_out_twelve_hours_after_signing_in_however_busy(client, clock):
    signed_in_client(client)
    for _ in range(12 * 4):  # a request every 15 minutes for 12 hours
        clock["at"] += 15 * 60
        assert client.get("/incidents/queues/mine/").status_code == 200
    clock["at"] += 61
    response = client.get("/incidents/queues/mine/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out 12 hours after you signed in." in page


@override_settings(KAIZEN_SESSION_IDLE_MINUTES=30)
def test_an_api_request_after_the_idle_time_answers_as_signed_out(client, clock):
    signed_in_client(client)
    clock["at"] += 31 * 60
    assert client.get("/api/v1/incidents/").status_code in (401, 403)
