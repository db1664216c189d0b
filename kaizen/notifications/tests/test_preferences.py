"""The preferences page: one checkbox per category, each change journaled."""

import pytest
from django.contrib.contenttypes.models import ContentType

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import NotificationOptOut
from kaizen.testing import assert_query_count

pytestmark = pytest.mark.django_db

URL = "/notifications/preferences/"


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_shows_an_agent_every_category_ticked(client, agent):
    client.force_login(agent)
    page = client.get(URL).content.decode()
    for label in ("Updates on incidents I reported", "Incidents assigned to me", "SLA breaches"):
        assert label in page
    assert page.count("checked") == 9
    assert "alan@example.com" in page


def test_it_shows_a_requester_only_their_category(client, requester):
    client.force_login(requester)
    page = client.get(URL).content.decode()
    assert "Updates on incidents I reported" in page
    assert "Incidents assigned to me" not in page


def test_it_warns_when_there_is_no_address(client, requester):
    requester.email = ""
    requester.save()
    client.force_login(requester)
    assert "You have no e-mail address" in client.get(URL).content.decode()


def test_it_saves_unticked_categories_as_opt_outs(client, agent):
    client.force_login(agent)
    response = client.post(
        URL, {"incident_updates": "on", "request_updates": "on", "incident_assigned": "on"}
    )
    assert response.status_code == 302 and response["Location"] == URL
    opted_out = NotificationOptOut.objects.filter(user=agent).values_list("category", flat=True)
    assert sorted(opted_out) == [
        "change_approvals",
        "problem_risk_review",
        "request_approvals",
        "request_task_queued",
        "sla_breach",
        "sla_warning",
    ]
    events = JournalEvent.objects.for_subject(agent).filter(
        event_type=EventType.NOTIFICATION_OPTED_OUT
    )
    assert sorted(event.data["category"] for event in events) == [
        "change_approvals",
        "problem_risk_review",
        "request_approvals",
        "request_task_queued",
        "sla_breach",
        "sla_warning",
    ]
    assert {event.actor for event in events} == {agent}
    page = client.get(URL).content.decode()
    assert "Your notification preferences were saved." in page
    assert page.count("checked") == 3


def test_it_answers_405_to_other_methods(client, agent):
    client.force_login(agent)
    assert client.delete(URL).status_code == 405


def test_it_reads_preferences_in_constant_queries(client, agent):
    client.force_login(agent)
    counts = []
    for opt_outs in ([], ["sla_warning", "sla_breach"]):
        for category in opt_outs:
            NotificationOptOut.objects.create(user=agent, category=category)
        ContentType.objects.clear_cache()
        with assert_query_count("notifications", "preferences_page") as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
