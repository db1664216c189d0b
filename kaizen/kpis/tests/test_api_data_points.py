"""POST /api/v1/kpis/{key}/data-points/: external measurements, idempotent on their key."""

import pytest

from kaizen.kpis.models import ExternalDataPoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

URL = "/api/v1/kpis/test.availability/data-points/"
POINT = {"occurred_at": "2026-03-01T10:00:00Z", "value": 99.95, "dimensions": {"service": "Email"}}


def test_it_asks_anonymous_callers_to_authenticate(api):
    assert api().post(URL, POINT).status_code == 401


@pytest.mark.parametrize("persona", ["requester", "agent", "improvement_manager"])
def test_it_lets_only_leaders_record_data(api, request, persona):
    user = request.getfixturevalue(persona)
    expected = 201 if persona == "improvement_manager" else 403
    assert api(user).post(URL, POINT).status_code == expected


def test_it_records_a_point_and_replays_it_by_header(api, sla_manager):
    client = api(sla_manager)
    first = client.post(URL, POINT, HTTP_IDEMPOTENCY_KEY="mon-1")
    assert first.status_code == 201
    assert first.json()["idempotency_key"] == "mon-1"
    assert first.json()["dimensions"] == {"service": "Email"}
    again = client.post(URL, POINT, HTTP_IDEMPOTENCY_KEY="mon-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ExternalDataPoint.objects.count() == 1


def test_it_replays_by_the_body_field_too(api, sla_manager):
    client = api(sla_manager)
    body = {**POINT, "idempotency_key": "mon-2"}
    assert client.post(URL, body).status_code == 201
    assert client.post(URL, body).status_code == 200
    assert ExternalDataPoint.objects.count() == 1


def test_it_refuses_a_used_key_for_another_point(api, sla_manager):
    client = api(sla_manager)
    client.post(URL, POINT, HTTP_IDEMPOTENCY_KEY="mon-3")
    response = client.post(URL, {**POINT, "value": 12}, HTTP_IDEMPOTENCY_KEY="mon-3")
    assert response.status_code == 400 and "idempotency_key" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"occurred_at": "2026-03-01T10:00:00Z"}, "value"),
        ({"value": 1}, "occurred_at"),
        ({"value": "many", "occurred_at": "2026-03-01T10:00:00Z"}, "value"),
        ({"value": 1, "period_start": "2026-03-05", "period_kind": "month"}, "period_start"),
        ({"value": 1, "occurred_at": "2026-03-01", "dimensions": {"colour": "red"}}, "dimensions"),
    ],
)
def test_it_names_the_field_of_bad_input(api, sla_manager, body, field):
    response = api(sla_manager).post(URL, body)
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_refuses_data_for_a_kpi_measured_from_kaizens_records(api, sla_manager):
    response = api(sla_manager).post("/api/v1/kpis/test.incidents_opened/data-points/", POINT)
    assert response.status_code == 400 and "kpi" in response.json()


def test_it_answers_404_for_an_unknown_kpi(api, sla_manager):
    assert api(sla_manager).post("/api/v1/kpis/no.such/data-points/", POINT).status_code == 404
