"""/api/v1/custom-kpis/: create, read, update (no delete: deactivate)."""

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import CustomKPI
from kaizen.kpis.tests.helpers import custom_kpi_fields, make_custom_kpi
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

LIST = "/api/v1/custom-kpis/"


def body(**overrides):
    fields = custom_kpi_fields(**overrides)
    fields.pop("owner")
    return fields


def test_it_forbids_requesters_and_lets_agents_read(api, requester, agent):
    make_custom_kpi()
    assert api(requester).get(LIST).status_code == 403
    response = api(agent).get(LIST)
    assert response.status_code == 200 and response.json()["results"][0]["key"] == (
        "custom.p1-resolution"
    )
    assert api(agent).get(f"{LIST}custom.p1-resolution/").status_code == 200


def test_it_lets_only_improvement_leaders_write(api, agent, improvement_manager):
    assert api(agent).post(LIST, body(), format="json").status_code == 403
    response = api(improvement_manager).post(LIST, {**body(), "owner": "ivy"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == "ivy"
    assert JournalEvent.objects.filter(event_type=EventType.CUSTOM_KPI_CREATED).exists()


def test_it_updates_and_deactivates(api, improvement_manager):
    make_custom_kpi()
    url = f"{LIST}custom.p1-resolution/"
    response = api(improvement_manager).patch(
        url, {"target": 3, "active": False, "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert CustomKPI.objects.get().target == 3
    assert api(improvement_manager).delete(url).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"column": "resolution_days"}, "column"),
        ({"aggregate": "percentile", "percentile": 101}, "percentile"),
        ({"aggregate": "share", "column": ""}, "numerator"),
        ({"filters": [{"column": "priority", "operator": "like", "value": 1}]}, "filters"),
        ({"key": "no-prefix"}, "key"),
    ],
)
def test_it_names_the_field_of_bad_input(api, improvement_manager, overrides, field):
    response = api(improvement_manager).post(LIST, body(**overrides), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_keeps_the_key(api, improvement_manager):
    make_custom_kpi()
    response = api(improvement_manager).patch(
        f"{LIST}custom.p1-resolution/", {"key": "custom.other", "version": 1}, format="json"
    )
    assert response.status_code == 400 and "key" in response.json()


def test_it_reads_a_constant_number_of_queries(api, agent, improvement_manager):
    client = api(agent)
    counter = iter(range(100))
    make_custom_kpi(owner=improvement_manager)
    assert_constant_queries(
        "kpis",
        "api_custom_kpi_list",
        lambda: client.get(LIST),
        lambda: make_custom_kpi(key=f"custom.kpi-{next(counter)}", owner=improvement_manager),
    )
