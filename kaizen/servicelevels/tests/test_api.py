"""Agreements, versions, customers and suppliers over /api/v1/: permissions per role, faults
named by field, 409 on a stale version, the chain check."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.servicelevels.models import Agreement

pytestmark = pytest.mark.django_db


def test_roles(api, requester, agent, slm, mail_sla):
    assert api(requester).get("/api/v1/agreements/").status_code == 403
    assert api(agent).get("/api/v1/agreements/").status_code == 200
    refused = api(agent).post("/api/v1/suppliers/", {"name": "Acme"}, format="json")
    assert refused.status_code == 403
    assert api(slm).post("/api/v1/suppliers/", {"name": "Acme"}, format="json").status_code == 201


def test_an_sla_made_over_the_api_with_its_first_version(
    api, slm, finance, mail, calendar, resolution_p1
):
    body = {
        "kind": "sla",
        "name": "Mail for Finance",
        "customer": finance.pk,
        "owner": slm.username,
        "status": "active",
        "starts_on": "2026-01-01",
        "calendar": calendar.slug,
        "services": ["mail"],
        "availability_percent": "99.5",
        "targets": [
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": resolution_p1.pk,
                "attainment_percent": "95",
            }
        ],
    }
    response = api(slm).post("/api/v1/agreements/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"] == "SLA00001"
    (terms,) = data["versions"]
    assert terms["services"] == ["mail"] and terms["calendar"] == calendar.slug
    assert terms["targets"][0]["attainment_percent"] == "95.00"


def test_faults_are_named(api, slm, finance, mail, calendar, resolution_p1):
    body = {
        "kind": "sla",
        "name": "X",
        "customer": finance.pk,
        "owner": slm.username,
        "starts_on": "2026-01-01",
        "calendar": calendar.slug,
        "services": ["nope"],
    }
    response = api(slm).post("/api/v1/agreements/", body, format="json")
    assert response.status_code == 400
    assert response.json()["services"] == ["no service has the slug 'nope'"]
    body["services"] = ["mail"]
    body["targets"] = [{"metric": "resolution", "priority": 1, "attainment_percent": "95"}]
    response = api(slm).post("/api/v1/agreements/", body, format="json")
    assert response.status_code == 400
    assert response.json()["targets"] == [
        "target 1: sla_definition: choose the SLA definition that measures it"
    ]
    assert not Agreement.objects.exists()


def test_a_stale_patch_is_a_409_and_a_version_is_added(api, slm, mail_sla):
    url = f"/api/v1/agreements/{mail_sla.number}/"
    client = api(slm)
    assert client.patch(url, {"name": "Mail", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"name": "Other", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    added = client.post(
        f"{url}versions/",
        {"valid_from": tomorrow, "note": "Raised", "availability_percent": "99.9"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert (added.json()["sequence"], added.json()["availability_percent"]) == (2, "99.900")
    back_dated = client.post(
        f"{url}versions/", {"valid_from": "2026-02-01", "note": "Back"}, format="json"
    )
    assert back_dated.status_code == 400
    assert "valid_from" in back_dated.json()
    corrected = client.patch(
        f"{url}versions/2/", {"availability_percent": "99.8", "version": 1}, format="json"
    )
    assert corrected.status_code == 200
    refused = client.patch(
        f"{url}versions/1/", {"availability_percent": "90", "version": 1}, format="json"
    )
    assert refused.status_code == 400


def test_the_chain_over_the_api(api, agent, mail_sla):
    response = api(agent).get(f"/api/v1/agreements/{mail_sla.number}/chain/?on=2026-03-02")
    assert response.status_code == 200
    (chain,) = response.json()
    assert chain["customer_minutes"] == 480
    assert chain["fits"] is None
    assert [(item["service"], item["links"]) for item in chain["services"]] == [("mail", [])]
    bad = api(agent).get(f"/api/v1/agreements/{mail_sla.number}/chain/?on=tomorrow")
    assert bad.status_code == 400 and "on" in bad.json()
