"""GET/PUT/PATCH /api/v1/notification-preferences/: the caller's own, nobody else's."""

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import NotificationOptOut
from kaizen.testing import assert_query_count, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/notification-preferences/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def enabled(response) -> dict[str, bool]:
    return {item["category"]: item["enabled"] for item in response.json()}


def test_it_answers_401_to_anonymous_callers():
    assert api().get(URL).status_code == 401
    assert api().patch(URL, [], format="json").status_code == 401


def test_it_lists_my_categories_with_labels(agent):
    response = api(agent).get(URL)
    assert response.status_code == 200
    assert response.json()[0] == {
        "category": "incident_updates",
        "label": "Updates on incidents I reported",
        "enabled": True,
    }
    assert len(response.json()) == 9


def test_it_patches_only_the_listed_categories_of_the_caller(agent):
    other = make_user("otto")
    response = api(agent).patch(URL, [{"category": "sla_warning", "enabled": False}])
    assert response.status_code == 200
    assert enabled(response) == {
        "incident_updates": True,
        "request_updates": True,
        "incident_assigned": True,
        "sla_warning": False,
        "sla_breach": True,
        "change_approvals": True,
        "problem_risk_review": True,
        "request_approvals": True,
        "request_task_queued": True,
    }
    assert not NotificationOptOut.objects.filter(user=other).exists()
    event = JournalEvent.objects.for_subject(agent).latest("id")
    assert event.event_type == EventType.NOTIFICATION_OPTED_OUT and event.actor == agent


def test_it_puts_every_category(requester):
    client = api(requester)
    body = [
        {"category": "incident_updates", "enabled": False},
        {"category": "request_updates", "enabled": True},
        {"category": "request_approvals", "enabled": True},
    ]
    response = client.put(URL, body)
    assert response.status_code == 200
    every = {"incident_updates": False, "request_updates": True, "request_approvals": True}
    assert enabled(response) == every
    assert enabled(client.get(URL)) == every


def test_it_refuses_a_put_missing_a_category(agent):
    response = api(agent).put(URL, [{"category": "sla_breach", "enabled": False}])
    assert response.status_code == 400
    assert "missing: incident_updates, request_updates, incident_assigned" in str(response.json())
    assert not NotificationOptOut.objects.exists()


def test_it_names_the_row_with_an_unknown_category(requester):
    body = [
        {"category": "incident_updates", "enabled": False},
        {"category": "sla_breach", "enabled": False},
    ]
    response = api(requester).patch(URL, body)
    assert response.status_code == 400
    # Keyed by the row's position in the list.
    assert response.json() == {
        "1": {
            "category": [
                "unknown category 'sla_breach'; yours are incident_updates, request_updates, "
                "request_approvals"
            ]
        }
    }
    assert not NotificationOptOut.objects.exists()


def test_it_refuses_a_category_listed_twice_and_a_body_that_is_not_a_list(agent):
    twice = [{"category": "sla_breach", "enabled": False}] * 2
    assert api(agent).patch(URL, twice).status_code == 400
    response = api(agent).patch(URL, {"category": "sla_breach", "enabled": False})
    assert response.status_code == 400
    assert not NotificationOptOut.objects.exists()


def test_it_answers_405_to_post_and_delete(agent):
    assert api(agent).post(URL, []).status_code == 405
    assert api(agent).delete(URL).status_code == 405


def test_it_reads_preferences_in_constant_queries(agent):
    client = api(agent)
    counts = []
    for opt_outs in ([], ["sla_warning", "sla_breach"]):
        for category in opt_outs:
            NotificationOptOut.objects.create(user=agent, category=category)
        ContentType.objects.clear_cache()
        with assert_query_count("notifications", "api_preferences") as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
