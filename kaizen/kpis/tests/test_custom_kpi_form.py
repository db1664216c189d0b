"""/kpis/custom/new/ and /kpis/<key>/edit/: defining KPIs, errors on the field at fault."""

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.models import CustomKPI
from kaizen.kpis.tests.helpers import make_custom_kpi

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

CREATE = "/kpis/custom/new/"


def form_data(**overrides) -> dict:
    data = {
        "key": "custom.p1-resolution",
        "name": "P1 resolution time",
        "process": "incident",
        "description": "Median hours to resolve P1 incidents.",
        "unit": "hours",
        "direction": "lower",
        "target": "4",
        "warning": "8",
        "source": "incident_facts",
        "period_column": "resolved_at",
        "filters": '[{"column": "priority", "operator": "eq", "value": 1}]',
        "aggregate": "median",
        "column": "resolution_hours",
        "percentile": "",
        "numerator": "",
        "denominator": "",
        "owner": "",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_it_forbids_agents_without_the_improvement_role(web, agent):
    assert web(agent).get(CREATE).status_code == 403
    assert web(agent).post(CREATE, form_data()).status_code == 403


def test_it_forbids_requesters(web, requester):
    assert web(requester).get(CREATE).status_code == 403


def test_it_creates_a_kpi_and_goes_to_its_page(web, improvement_manager):
    response = web(improvement_manager).post(CREATE, form_data())
    assert response.status_code == 302 and response["Location"] == "/kpis/custom.p1-resolution/"
    kpi = CustomKPI.objects.get()
    assert kpi.filters == [{"column": "priority", "operator": "eq", "value": 1}]
    assert kpi.numerator == [] and kpi.target == 4
    assert JournalEvent.objects.filter(event_type=EventType.CUSTOM_KPI_CREATED).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"column": "resolution_days"}, "column"),
        ({"aggregate": "percentile", "percentile": "150"}, "percentile"),
        ({"aggregate": "share", "column": ""}, "numerator"),
        ({"filters": "[{"}, "filters"),
        ({"filters": '[{"column": "colour", "operator": "eq", "value": 1}]'}, "filters"),
        ({"key": "P1 resolution"}, "key"),
        ({"warning": "2"}, "warning"),
    ],
)
def test_it_puts_each_error_on_its_field(web, improvement_manager, overrides, field):
    response = web(improvement_manager).post(CREATE, form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not CustomKPI.objects.exists()


def test_it_edits_a_kpi_but_not_its_key(web, improvement_manager):
    kpi = make_custom_kpi()
    client = web(improvement_manager)
    assert client.get(f"/kpis/{kpi.key}/edit/").status_code == 200
    response = client.post(
        f"/kpis/{kpi.key}/edit/",
        form_data(key="custom.renamed", target="3", active="", version="1"),
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert kpi.key == "custom.p1-resolution" and kpi.target == 3 and not kpi.active
    event = JournalEvent.objects.get(event_type=EventType.CUSTOM_KPI_UPDATED)
    assert set(event.changes) == {"target", "active"}


def test_it_answers_404_for_editing_a_library_kpi(web, improvement_manager):
    assert web(improvement_manager).get("/kpis/test.incidents_opened/edit/").status_code == 404
