"""/kpis/<key>/: definition, chart over time, breakdown, data quality, measurement provenance."""

import json

import pytest
from django.utils import timezone

from kaizen.kpis.models import Measurement
from kaizen.kpis.services import do_collect_measurements
from kaizen.kpis.tests.helpers import EXTERNAL_AVAILABILITY, make_custom_kpi, record_points

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]


def url(key: str) -> str:
    return f"/kpis/{key}/"


@pytest.fixture
def availability():
    record_points(
        EXTERNAL_AVAILABILITY.key,
        {"occurred_at": "2026-03-02T08:00:00Z", "value": 99.0, "service": "Email"},
        {"occurred_at": "2026-03-09T08:00:00Z", "value": 100.0, "service": "VPN"},
    )
    do_collect_measurements(actor=None, keys=[EXTERNAL_AVAILABILITY.key], period_kinds=["month"])
    return EXTERNAL_AVAILABILITY


def test_it_forbids_requesters(web, requester, availability):
    assert web(requester).get(url(availability.key)).status_code == 403


def test_it_answers_404_for_an_unknown_kpi(web, agent):
    assert web(agent).get(url("no.such_kpi")).status_code == 404


def test_it_shows_the_definition_and_the_measurements_with_provenance(web, agent, availability):
    response = web(agent).get(url(availability.key))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Service availability",
        "mean of the reported availability",
        "Higher is better",
        "99.9 %",
        "2 data points from",
    ):
        assert text in page, text
    data = json.loads(page.split('id="kpi-chart-data" type="application/json">')[1].split("<")[0])
    assert data["labels"] == ["2026-03-01"] and data["values"] == [99.5]
    assert data["target"] == 99.9


def test_it_breaks_down_by_a_chosen_dimension_measuring_now_when_nothing_is_stored(
    web, agent, availability
):
    response = web(agent).get(url(availability.key), {"by": "service"})
    assert response.context["measured_now"] is True
    assert [(row["value"], row["figure"]) for row in response.context["breakdown"]] == [
        ("Email", 99.0),
        ("VPN", 100.0),
    ]
    assert "measured now, not stored" in response.content.decode()


def test_it_uses_stored_breakdowns_when_collected(web, agent, availability):
    do_collect_measurements(
        actor=None, keys=[availability.key], period_kinds=["month"], breakdowns=["service"]
    )
    response = web(agent).get(url(availability.key), {"by": "service"})
    assert response.context["measured_now"] is False
    assert len(response.context["breakdown"]) == 2


def test_it_links_custom_kpis_to_their_form_for_managers_only(web, agent, improvement_manager):
    kpi = make_custom_kpi(
        source="external",
        period_column="occurred_at",
        column="value",
        filters=[],
        key="custom.uptime",
        direction="higher",
        target=99,
        warning=98,
        aggregate="mean",
    )
    edit = f'href="/kpis/{kpi.key}/edit/"'
    assert edit not in web(agent).get(url(kpi.key)).content.decode()
    page = web(improvement_manager).get(url(kpi.key)).content.decode()
    assert edit in page and f'href="/kpis/{kpi.key}/upload/"' in page
    assert "Custom KPI created" in page  # its timeline


def test_it_shows_a_not_measurable_kpi_with_its_reason(web, agent):
    page = web(agent).get(url("test.change_success")).content.decode()
    assert "change enablement is not in Kaizen yet" in page
    assert Measurement.objects.count() == 0
    assert timezone.now()  # nothing measured, nothing stored
