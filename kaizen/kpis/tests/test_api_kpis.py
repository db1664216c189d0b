"""GET /api/v1/kpis/, /kpis/{key}/, /kpis/{key}/measurements/, /kpis/{key}/quality/."""

import datetime as dt

import pytest
import yaml
from django.utils import timezone
from openapi_spec_validator import validate

from kaizen.kpis.models import Measurement
from kaizen.kpis.tests.helpers import EXTERNAL_AVAILABILITY, INCIDENT_VOLUME, make_custom_kpi
from kaizen.testing import assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

LIST = "/api/v1/kpis/"


def store(key, start, value, dimension="", dimension_value="", kind="month"):
    return Measurement.objects.create(
        kpi_key=key,
        period_kind=kind,
        period_start=start,
        dimension=dimension,
        dimension_value=dimension_value,
        value=value,
        n=4,
        computed_at=timezone.now(),
        source="engine",
        synced_event_id=42,
    )


def test_it_asks_anonymous_callers_to_authenticate(api):
    assert api().get(LIST).status_code == 401


def test_it_forbids_requesters(api, requester):
    assert api(requester).get(LIST).status_code == 403
    assert api(requester).get(f"{LIST}{INCIDENT_VOLUME.key}/").status_code == 403


def test_it_lists_library_and_custom_kpis_with_the_measurable_flag(api, agent):
    make_custom_kpi()
    body = api(agent).get(LIST).json()
    by_key = {item["key"]: item for item in body}
    assert list(by_key) == [
        "test.incidents_opened",
        "test.availability",
        "test.change_success",
        "custom.p1-resolution",
    ]
    assert by_key["test.change_success"]["measurable"] is False
    assert by_key["test.change_success"]["not_measurable_reason"]
    assert by_key["custom.p1-resolution"]["custom"] is True
    assert by_key["test.incidents_opened"]["direction"] == "lower"
    assert by_key["test.availability"]["measure"]["source"] == "external"


def test_it_shows_one_definition_and_404_for_an_unknown_key(api, agent):
    client = api(agent)
    body = client.get(f"{LIST}{EXTERNAL_AVAILABILITY.key}/").json()
    assert body["target"] == 99.9 and body["unit"] == "percent"
    assert client.get(f"{LIST}no.such_kpi/").status_code == 404


def test_it_lists_stored_measurements_by_period_breakdown_and_range(api, agent):
    for month in (1, 2, 3):
        store(INCIDENT_VOLUME.key, dt.date(2026, month, 1), month)
        store(INCIDENT_VOLUME.key, dt.date(2026, month, 1), month, "service", "Email")
    client = api(agent)
    url = f"{LIST}{INCIDENT_VOLUME.key}/measurements/"
    body = client.get(url).json()
    assert [row["value"] for row in body["results"]] == [1, 2, 3]
    assert body["results"][0]["synced_event_id"] == 42 and body["results"][0]["source"] == "engine"
    body = client.get(url, {"by": "service", "from": "2026-02-01", "to": "2026-03-01"}).json()
    assert [(r["dimension_value"], r["value"]) for r in body["results"]] == [("Email", 2)]
    assert client.get(url, {"period": "fortnight"}).json().keys() == {"period"}


def test_it_reports_data_quality(api, agent):
    response = api(agent).get(f"{LIST}{INCIDENT_VOLUME.key}/quality/")
    assert response.status_code == 200


def test_it_reads_a_constant_number_of_queries(api, agent):
    client = api(agent)
    counter = iter(range(100))
    assert_constant_queries(
        "kpis",
        "api_kpi_list",
        lambda: client.get(LIST),
        lambda: make_custom_kpi(key=f"custom.kpi-{next(counter)}"),
    )
    url = f"{LIST}{INCIDENT_VOLUME.key}/measurements/"
    store(INCIDENT_VOLUME.key, dt.date(2019, 1, 1), 1)
    assert_constant_queries(
        "kpis",
        "api_measurement_list",
        lambda: client.get(url),
        lambda: store(INCIDENT_VOLUME.key, dt.date(2020, 1 + next(counter) % 12, 1), 1),
    )


def test_it_keeps_the_openapi_schema_valid(api, agent):
    schema = yaml.safe_load(api(agent).get("/api/v1/schema/").content)
    validate(schema)
    for path in (
        "/api/v1/kpis/",
        "/api/v1/kpis/{key}/",
        "/api/v1/kpis/{key}/measurements/",
        "/api/v1/kpis/{key}/quality/",
        "/api/v1/kpis/{key}/data-points/",
        "/api/v1/custom-kpis/",
        "/api/v1/custom-kpis/{key}/",
    ):
        assert path in schema["paths"], path
