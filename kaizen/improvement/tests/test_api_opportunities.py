"""/api/v1/opportunities/: what the data suggests, with its evidence; the CSI manager
dismisses one (with a reason), any process owner or manager (or the CSI manager) starts an
initiative from it."""

from itertools import count

import pytest

from kaizen.improvement.models import Initiative, OpportunityStatus, Origin
from kaizen.improvement.opportunity_detection import Finding
from kaizen.improvement.services import do_dismiss_opportunity
from kaizen.improvement.services.opportunities import do_record_opportunity
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries, make_service

pytestmark = pytest.mark.django_db

LIST = "/api/v1/opportunities/"
_names = count(1)


def make_opportunity(*, kind="sla_hotspot", strength=12.0, service=None):
    name = service or f"Service {next(_names)}"
    finding = Finding(
        kind=kind,
        kpi_key="incident.sla_met_pct",
        dimension="service",
        dimension_value=name,
        title=f"SLA breaches: service {name} at 60 %",
        summary=f"Service {name}: 60 % of its 30 resolved incidents met their SLA.",
        strength=strength,
        evidence={
            "figure": {"kpi": "incident.sla_met_pct", "value": 60.0, "n": 30, "target": 95},
            "breakdown": [{"value": name, "figure": 60.0, "n": 30, "breaches": strength}],
        },
    )
    return do_record_opportunity(finding)[0]


def detail(opportunity, action=""):
    return f"{LIST}{opportunity.pk}/{action + '/' if action else ''}"


def test_it_keeps_opportunities_from_requesters(api, requester):
    opportunity = make_opportunity()
    assert api().get(LIST).status_code == 401
    assert api(requester).get(LIST).status_code == 403
    assert api(requester).get(detail(opportunity)).status_code == 403


def test_it_shows_agents_the_opportunity_with_its_evidence(api, agent):
    opportunity = make_opportunity(strength=12.0)
    data = api(agent).get(detail(opportunity)).json()
    assert data["kind"] == "sla_hotspot" and data["status"] == "open"
    assert data["strength"] == 12.0 and data["kpi_key"] == "incident.sla_met_pct"
    assert data["evidence"]["figure"]["value"] == 60.0
    assert data["evidence"]["breakdown"][0]["breaches"] == 12.0
    assert data["initiative"] is None
    assert api(agent).get(f"{LIST}999/").status_code == 404


def test_it_filters_by_kind_and_status_strongest_first(api, agent, csi_manager):
    weak, strong = make_opportunity(strength=3.0), make_opportunity(strength=30.0)
    trend = make_opportunity(kind="adverse_trend", strength=5.0)
    api(csi_manager).post(detail(weak, "dismiss"), {"reason": "Known, being replaced"})
    client = api(agent)

    def ids(query=""):
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=open") == [strong.pk, trend.pk]
    assert ids() == [strong.pk, trend.pk, weak.pk]
    assert ids("kind=sla_hotspot") == [strong.pk, weak.pk]
    assert ids("kind=adverse_trend") == [trend.pk]
    assert ids("status=dismissed") == [weak.pk]
    assert client.get(f"{LIST}?kind=rumour").status_code == 400


def test_it_lets_the_csi_manager_dismiss_with_a_reason(api, agent, csi_manager):
    opportunity = make_opportunity()
    assert api(agent).post(detail(opportunity, "dismiss"), {"reason": "x"}).status_code == 403
    response = api(csi_manager).post(detail(opportunity, "dismiss"), {"reason": " "})
    assert response.status_code == 400 and "reason" in response.json()
    response = api(csi_manager).post(detail(opportunity, "dismiss"), {"reason": "Seasonal"})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "dismissed" and data["dismissed_reason"] == "Seasonal"
    assert data["dismissed_by"] == str(csi_manager)
    assert JournalEvent.objects.filter(event_type=EventType.OPPORTUNITY_DISMISSED).exists()
    response = api(csi_manager).post(detail(opportunity, "dismiss"), {"reason": "Again"})
    assert response.status_code == 400 and "status" in response.json()
    assert api(csi_manager).post(f"{LIST}999/dismiss/", {"reason": "x"}).status_code == 404


def test_it_starts_an_initiative_from_an_opportunity(api, agent, csi_manager):
    service = make_service("Email")
    opportunity = make_opportunity(service="Email")
    assert api(agent).post(detail(opportunity, "start"), {}).status_code == 403
    response = api(csi_manager).post(detail(opportunity, "start"), {"owner": agent.pk})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["owner"] == agent.pk and data["origin"] == Origin.OPPORTUNITY
    assert data["opportunity"] == opportunity.pk and data["services"] == [service.slug]
    assert [kpi["kpi_key"] for kpi in data["kpis"]] == ["incident.sla_met_pct"]
    assert data["gate"]["step"] == 1
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.STARTED
    assert opportunity.initiative == Initiative.objects.get()
    response = api(csi_manager).post(detail(opportunity, "start"), {})
    assert response.status_code == 400 and "status" in response.json()


def test_it_lets_a_process_owner_start_one_but_not_dismiss(api, process_owner):
    opportunity = make_opportunity()
    response = api(process_owner).post(detail(opportunity, "dismiss"), {"reason": "Not now"})
    assert response.status_code == 403
    response = api(process_owner).post(detail(opportunity, "start"), {})
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == process_owner.pk
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.STARTED


def test_it_starts_one_owned_by_the_manager_by_default_and_names_a_bad_owner(
    api, csi_manager, requester
):
    opportunity = make_opportunity()
    response = api(csi_manager).post(detail(opportunity, "start"), {"owner": requester.pk})
    assert response.status_code == 400 and "owner" in response.json()
    response = api(csi_manager).post(detail(opportunity, "start"), {})
    assert response.status_code == 201 and response.json()["owner"] == csi_manager.pk


def test_it_lists_opportunities_in_a_constant_number_of_queries(api, agent, csi_manager):
    def add_rows():
        make_opportunity()
        do_dismiss_opportunity(make_opportunity(), actor=csi_manager, reason="Not now")

    add_rows()
    client = api(agent)
    assert_constant_queries(
        "improvement", "api_opportunity_list", lambda: client.get(LIST), add_rows
    )
