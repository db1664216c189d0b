"""/api/v1/agreements/<number>/report/ and .../report-links/: the report's figures in numbers
and the read-only links, with the pages' rules."""

import datetime as dt

import pytest

from kaizen.availability.models import OutageKind
from kaizen.availability.services import do_record_outage

REPORT = "/api/v1/agreements/SLA00001/report/"
LINKS = "/api/v1/agreements/SLA00001/report-links/"


@pytest.fixture(autouse=True)
def site_in_utc(settings):
    settings.TIME_ZONE = "UTC"


def test_it_answers_the_figures_of_the_period(api, slm, mail_sla, mail):
    do_record_outage(
        actor=None,
        service=mail,
        kind=OutageKind.UNPLANNED,
        started_at=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC),
        title="Mail down",
        confirmed=True,
    )
    response = api(slm).get(REPORT, {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"], data["verdict"]) == ("2026-11-01", "2026-11-30", "missed")
    (mail_figures,) = data["availability"]
    assert mail_figures["agreed_seconds"] == 168 * 3600
    assert mail_figures["downtime_seconds"] == 2 * 3600
    assert mail_figures["verdict"] == "not_met"
    assert mail_figures["outages"][0]["title"] == "Mail down"
    assert data["ticket_targets"][0]["verdict"] == "no_tickets"
    assert [row["from"] for row in data["trend"]] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    bad = api(slm).get(REPORT, {"from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status_code == 400 and "from" in bad.json()


def test_who_may_read_and_share(api, agent, slm, mail_sla):
    assert api(agent).get(REPORT).status_code == 403
    assert api().get(REPORT).status_code in (401, 403)
    assert api(slm).get("/api/v1/agreements/SLA09999/report/").status_code == 404
    assert api(agent).post(LINKS, {"from": "2026-11-01", "to": "2026-11-30"}).status_code == 403


def test_a_link_is_made_listed_and_revoked(api, client, slm, mail_sla):
    manager = api(slm)
    made = manager.post(LINKS, {"from": "2026-11-01", "to": "2026-11-30", "days": 7}, format="json")
    assert made.status_code == 201
    link = made.json()
    assert link["state"] == "live" and "/shared/service-level-report/" in link["url"]
    listed = manager.get(LINKS).json()
    assert [(row["id"], row["period_start"]) for row in listed] == [(link["id"], "2026-11-01")]
    assert "url" not in listed[0]  # the token is never shown again
    address = link["url"].split("testserver", 1)[1]
    assert client.get(address).status_code == 200
    revoked = manager.post(f"{LINKS}{link['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.get(address).status_code == 404
    too_long = manager.post(
        LINKS, {"from": "2026-11-01", "to": "2026-11-30", "days": 5000}, format="json"
    )
    assert too_long.status_code == 400 and "days" in too_long.json()
