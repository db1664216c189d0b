"""The availability API per role: outages (create, PATCH with its version, confirm, dismiss,
end), the monitoring signal (idempotent, named errors, token auth), targets and figures."""

import datetime as dt
from functools import partial

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kaizen.availability.models import AvailabilityTarget, Outage
from kaizen.availability.tests.conftest import record
from kaizen.people.services import do_create_api_token
from kaizen.testing import assert_query_count as shared_assert_query_count
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
assert_query_count = partial(shared_assert_query_count, "availability")
OUTAGES = "/api/v1/outages/"
MONITORING = "/api/v1/outages/monitoring/"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def new_outage(**fields):
    start = timezone.now() - dt.timedelta(hours=4)
    return {
        "service": "mail",
        "kind": "unplanned",
        "started_at": iso(start),
        "ended_at": iso(start + dt.timedelta(hours=1)),
        "title": "Mail down",
        **fields,
    }


def token_client(user) -> APIClient:
    _, secret = do_create_api_token(user, "monitoring", actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def signal(**fields):
    return {
        "source": "zabbix",
        "key": "alert-17",
        "signal": "open",
        "at": iso(timezone.now() - dt.timedelta(minutes=10)),
        "service": "mail",
        **fields,
    }


def test_requesters_are_refused_and_anonymous_callers_must_authenticate(api, requester, mail):
    outage = record(mail)
    for response in (
        api(requester).get(OUTAGES),
        api(requester).get(f"{OUTAGES}{outage.number}/"),
        api(requester).post(OUTAGES, new_outage()),
        api(requester).get("/api/v1/services/mail/availability/"),
        api(requester).get("/api/v1/availability-targets/"),
    ):
        assert response.status_code == 403
    assert api().get(OUTAGES).status_code == 401


def test_an_agent_proposes_a_service_level_manager_records_confirmed(api, agent, slm, mail):
    response = api(agent).post(OUTAGES, new_outage())
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "proposed" and response.json()["number"].startswith("OUT")
    response = api(slm).post(OUTAGES, new_outage(title="Recorded"))
    assert response.json()["status"] == "confirmed"
    listed = api(agent).get(OUTAGES, {"status": "proposed"}).json()["results"]
    assert [row["title"] for row in listed] == ["Mail down"]


def test_errors_name_their_field(api, agent, mail):
    start = timezone.now() - dt.timedelta(hours=2)
    response = api(agent).post(
        OUTAGES, new_outage(started_at=iso(start), ended_at=iso(start - dt.timedelta(hours=1)))
    )
    assert response.status_code == 400
    assert response.json() == {"ended_at": ["The end must come after the start."]}
    response = api(agent).post(OUTAGES, new_outage(service="nope"))
    assert response.json() == {"service": ["no service has the slug 'nope'"]}


def test_a_stale_patch_is_a_conflict(api, slm, agent, mail):
    outage = record(mail)
    url = f"{OUTAGES}{outage.number}/"
    assert api(agent).patch(url, {"title": "x", "version": 1}).status_code == 403
    assert api(slm).patch(url, {"title": "No version"}).status_code == 400
    assert api(slm).patch(url, {"title": "First", "version": 1}).status_code == 200
    response = api(slm).patch(url, {"title": "Second", "version": 1})
    assert response.status_code == 409 and response.json()["current_version"] == 2
    outage.refresh_from_db()
    assert outage.title == "First"


def test_confirm_dismiss_and_end(api, agent, slm, mail):
    first, second = record(mail, confirmed=False), record(mail, confirmed=False, hours=None)
    url = f"{OUTAGES}{first.number}/confirm/"
    assert api(agent).post(url, {"version": 1}).status_code == 403
    later = first.started_at + dt.timedelta(minutes=15)
    response = api(slm).post(url, {"version": 1, "started_at": iso(later)})
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert api(slm).post(url, {"version": 2}).json() == {
        "status": [f"{first.number} is confirmed, not proposed."]
    }
    dismiss = f"{OUTAGES}{second.number}/dismiss/"
    assert api(slm).post(dismiss, {"version": 1}).status_code == 400
    assert api(slm).post(dismiss, {"version": 9, "reason": "no"}).status_code == 409
    ended = api(slm).post(f"{OUTAGES}{second.number}/end/", {})
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None


def test_monitoring_opens_once_and_closes_once(api, agent, mail):
    client = token_client(agent)
    opened = client.post(MONITORING, signal())
    assert opened.status_code == 201, opened.json()
    number = opened.json()["number"]
    assert opened.json()["status"] == "proposed" and opened.json()["origin"] == "monitoring"
    again = client.post(MONITORING, signal())
    assert again.status_code == 200 and again.json()["number"] == number
    closed = client.post(MONITORING, signal(signal="close", at=iso(timezone.now())))
    assert closed.status_code == 200 and closed.json()["ended_at"] is not None
    assert client.post(MONITORING, signal(signal="close")).status_code == 200
    assert Outage.objects.count() == 1


def test_monitoring_names_what_is_wrong(api, agent, mail):
    client = api(agent)
    response = client.post(MONITORING, signal(service="mial"))
    assert response.status_code == 400
    assert response.json() == {"service": ["no service has the slug 'mial'"]}
    response = client.post(MONITORING, signal(signal="flap"))
    assert response.status_code == 400 and "signal" in response.json()
    response = client.post(MONITORING, signal(key="other", signal="close"))
    assert response.status_code == 400 and "key" in response.json()
    response = client.post(MONITORING, {k: v for k, v in signal().items() if k != "service"})
    assert response.json() == {"service": ["Name the service that went down."]}
    assert not Outage.objects.exists()


def test_monitoring_needs_a_good_token_of_someone_who_may_record(requester, mail):
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer kz_not-a-token")
    assert bad.post(MONITORING, signal()).status_code == 401
    assert APIClient().post(MONITORING, signal()).status_code == 401
    assert token_client(requester).post(MONITORING, signal()).status_code == 403
    assert not Outage.objects.exists()


def test_targets_are_listed_per_service_and_set_by_service_level_managers(
    api, agent, slm, mail, calendar
):
    make_service("Web", slug="web")
    rows = api(agent).get("/api/v1/availability-targets/", {"service": "mail"}).json()["results"]
    assert [(row["service"], row["target_percent"]) for row in rows] == [("mail", "99.500")]
    data = {
        "service": "web",
        "valid_from": "2026-01-01",
        "target_percent": "99.9",
        "calendar": calendar.slug,
    }
    assert api(agent).post("/api/v1/availability-targets/", data).status_code == 403
    assert api(slm).post("/api/v1/availability-targets/", data).status_code == 201
    assert AvailabilityTarget.objects.filter(service__slug="web").count() == 1


def test_the_figures_list_the_outages_behind_them_in_seconds(api, agent, mail):
    # Two hours of a Wednesday morning, inside the office hours (Europe/London, winter).
    outage = record(mail, hours_ago=3)
    Outage.objects.filter(pk=outage.pk).update(
        started_at=dt.datetime(2026, 1, 7, 10, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 1, 7, 12, tzinfo=dt.UTC),
    )
    response = api(agent).get(
        "/api/v1/services/mail/availability/", {"from": "2026-01-01", "to": "2026-02-01"}
    )
    assert response.status_code == 200
    whole = response.json()["whole"]
    assert whole["downtime_seconds"] == 7200
    assert whole["outages"] == [{"number": outage.number, "downtime_seconds": 7200}]
    assert whole["breaks"] == 1 and whole["met"] is False
    assert len(response.json()["months"]) == 1
    bad = api(agent).get("/api/v1/services/mail/availability/", {"from": "January"})
    assert bad.status_code == 400 and "from" in bad.json()
    assert api(agent).get("/api/v1/services/nope/availability/").status_code == 404


def test_the_outage_list_reads_a_fixed_number_of_queries(api, agent, mail):
    record(mail)
    client = api(agent)
    for _ in range(2):
        with assert_query_count("api_outage_list"):
            assert client.get(OUTAGES).status_code == 200
        for index in range(3):
            record(make_service(), confirmed=index % 2 == 0, hours=None if index else 1)


def test_the_journal_names_who_reported_an_outage_from_monitoring(api, agent, mail):
    from kaizen.journal.models import JournalEvent

    api(agent).post(MONITORING, signal())
    event = JournalEvent.objects.for_subject(Outage.objects.get()).get()
    assert event.event_type == "availability.outage.proposed" and event.actor == agent
