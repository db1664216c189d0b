import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from kaizen.catalog import services as catalog_services
from kaizen.catalog.models import Service
from kaizen.journal.models import JournalEvent
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, assert_query_count, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(agent):
    do_grant_process_role(agent, "incident", "manager", actor=None)
    return agent


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_answers_401_without_credentials():
    response = APIClient().get("/api/v1/events/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("persona", ["requester", "agent"])
def test_it_refuses_people_without_an_audit_role(request, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/api/v1/events/").status_code == 403


def test_it_lists_the_events_of_one_record(auditor):
    mail = make_service("Mail", slug="mail")
    make_service("Payroll", slug="payroll")
    catalog_services.do_update_service(mail, actor=auditor, summary="Mailboxes")

    response = client_for(auditor).get(
        "/api/v1/events/", {"subject_type": "catalog.service", "subject_id": mail.pk}
    )
    assert response.status_code == 200
    events = response.json()["results"]
    assert [event["event_type"] for event in events] == [
        "catalog.service.created",
        "catalog.service.updated",
    ]
    assert events[1]["changes"] == {"summary": {"old": "Mail for everyone", "new": "Mailboxes"}}
    assert events[1]["actor_repr"] == "alan"


def test_it_filters_by_time_range(auditor):
    make_service("Mail")
    first = JournalEvent.objects.order_by("id").first()
    later = JournalEvent.objects.order_by("id").last()
    response = client_for(auditor).get(
        "/api/v1/events/", {"since": later.occurred_at.isoformat(), "page_size": 500}
    )
    ids = [event["id"] for event in response.json()["results"]]
    assert later.id in ids
    assert all(event_id >= first.id for event_id in ids)
    response = client_for(auditor).get("/api/v1/events/", {"since": "not a date"})
    assert response.status_code == 400
    assert "since" in response.json()


def test_it_reads_incrementally_with_a_cursor_and_misses_nothing(auditor):
    client = client_for(auditor)
    baseline = client.get("/api/v1/events/feed/", {"after": 0, "limit": 1000}).json()
    cursor = baseline["next_cursor"]
    for number in range(5):
        make_service(f"Service {number}", lifecycle="pipeline")
    seen = []
    for _ in range(10):
        page = client.get("/api/v1/events/feed/", {"after": cursor, "limit": 2}).json()
        seen += [event["subject_repr"] for event in page["events"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [f"Service {number}" for number in range(5)]
    assert client.get("/api/v1/events/feed/", {"after": cursor}).json()["events"] == []


def test_it_rejects_a_bad_cursor_naming_the_parameter(auditor):
    response = client_for(auditor).get("/api/v1/events/feed/", {"after": "x", "limit": 5000})
    assert response.status_code == 400
    assert set(response.json()) == {"after", "limit"}


def test_it_is_read_only(auditor):
    make_service("Mail")
    event = JournalEvent.objects.first()
    client = client_for(auditor)
    assert client.delete(f"/api/v1/events/{event.pk}/").status_code == 405
    assert client.patch(f"/api/v1/events/{event.pk}/", {"subject_repr": "x"}).status_code == 405
    assert client.post("/api/v1/events/", {}).status_code == 405


def test_it_lists_events_in_a_constant_number_of_queries(auditor):
    client = APIClient()
    client.login(username=auditor.username, password=PASSWORD)
    make_service("Mail")
    with assert_query_count("audit", "api_event_list") as few:
        assert client.get("/api/v1/events/").status_code == 200
    for number in range(10):
        make_service(f"More {number}")
    with assert_query_count("audit", "api_event_list") as many:
        assert client.get("/api/v1/events/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_it_names_the_subject_type_as_app_and_model(auditor):
    service = make_service("Mail")
    event = JournalEvent.objects.for_subject(service).first()
    data = client_for(auditor).get(f"/api/v1/events/{event.pk}/").json()
    assert data["subject_type"] == "catalog.service"
    assert ContentType.objects.get_for_model(Service).model == "service"
