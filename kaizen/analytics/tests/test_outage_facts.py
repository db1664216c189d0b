"""Outage facts: one row per outage, written through the availability services and kept up to
date by the incremental sync (recorded, proposed, confirmed, ended, dismissed, the service
renamed), agreeing with a rebuild. Times in UTC, so the store's wall times read as given."""

import datetime as dt

import pytest

from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import rows
from kaizen.availability import services
from kaizen.availability.models import OutageKind
from kaizen.catalog.services import do_update_service
from kaizen.testing import make_ci, make_offering, make_service, make_user

pytestmark = pytest.mark.django_db


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def wall(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def outage_facts() -> dict[str, dict]:
    return {row["number"]: row for row in rows("outage_facts", "outage_id")}


@pytest.fixture
def mail(settings):
    settings.TIME_ZONE = "UTC"
    return make_service("Mail", slug="mail")


def test_a_recorded_outage_is_one_row_with_its_names_and_duration(mail):
    webmail = make_offering(mail, "Webmail")
    server = make_ci("mx-01")
    outage = services.do_record_outage(
        actor=None,
        service=mail,
        offering=webmail,
        configuration_item=server,
        kind=OutageKind.UNPLANNED,
        started_at=utc("2026-03-03 10:00"),
        ended_at=utc("2026-03-03 12:30"),
        title="Mail down",
        cause_kind="incident",
        cause_reference="INC0000042",
        at=utc("2026-03-03 13:00"),
    )
    sync()
    assert outage_facts() == {
        outage.number: {
            "outage_id": outage.pk,
            "number": outage.number,
            "service": "Mail",
            "offering": "Mail: Webmail",
            "ci": "mx-01",
            "kind": "unplanned",
            "status": "confirmed",
            "confirmed": True,
            "share_affected": 100,
            "started_at": wall("2026-03-03 10:00"),
            "ended_at": wall("2026-03-03 12:30"),
            "duration_hours": 2.5,  # 10:00 -> 12:30
            "cause_kind": "incident",
            "cause_reference": "INC0000042",
            "origin": "manual",
            "confirmed_at": wall("2026-03-03 13:00"),  # recorded confirmed
        }
    }


def test_the_sync_follows_an_outage_from_proposal_to_its_end(mail):
    sam = make_user("sam")
    proposed = services.do_propose_outage(
        origin="monitoring",
        origin_key="monitoring:probe:1",
        service=mail,
        started_at=utc("2026-03-05 08:00"),
        ended_at=None,
        title="Mail not answering",
        at=utc("2026-03-05 08:05"),
    ).outage
    sync()
    row = outage_facts()[proposed.number]
    assert (row["status"], row["confirmed"], row["origin"]) == ("proposed", False, "monitoring")
    assert (row["ended_at"], row["duration_hours"], row["confirmed_at"]) == (None, None, None)
    assert (row["cause_kind"], row["cause_reference"]) == ("unknown", None)

    services.do_confirm_outage(
        proposed, actor=sam, expected_version=None, at=utc("2026-03-05 09:00")
    )
    sync()
    row = outage_facts()[proposed.number]
    assert (row["status"], row["confirmed"]) == ("confirmed", True)
    assert row["confirmed_at"] == wall("2026-03-05 09:00")
    assert row["ended_at"] is None  # still going on

    services.do_end_outage(
        proposed, actor=None, ended_at=utc("2026-03-05 11:15"), at=utc("2026-03-05 11:20")
    )
    sync()
    row = outage_facts()[proposed.number]
    assert row["ended_at"] == wall("2026-03-05 11:15")
    assert row["duration_hours"] == 3.25  # 08:00 -> 11:15


def test_a_dismissed_proposal_stays_a_row_that_does_not_count(mail):
    sam = make_user("sam")
    proposal = services.do_propose_outage(
        origin="major_incident",
        origin_key="incident:INC0000007",
        service=mail,
        started_at=utc("2026-03-06 14:00"),
        ended_at=utc("2026-03-06 15:00"),
        title="Mail slow",
        cause_kind="incident",
        cause_reference="INC0000007",
        at=utc("2026-03-06 15:30"),
    ).outage
    sync()
    services.do_dismiss_outage(
        proposal,
        actor=sam,
        reason="The incident did not stop the service",
        expected_version=None,
        at=utc("2026-03-06 16:00"),
    )
    sync()
    row = outage_facts()[proposal.number]
    assert (row["status"], row["confirmed"], row["confirmed_at"]) == ("dismissed", False, None)
    assert (row["origin"], row["duration_hours"]) == ("major_incident", 1.0)


def test_renaming_the_service_renames_its_outages_rows_and_a_rebuild_agrees(mail):
    webmail = make_offering(mail, "Webmail")
    kept = services.do_record_outage(
        actor=None,
        service=mail,
        offering=webmail,
        kind=OutageKind.DEGRADED,
        share_affected=40,
        started_at=utc("2026-03-09 09:00"),
        ended_at=utc("2026-03-09 09:45"),
        title="Webmail slow",
        at=utc("2026-03-09 10:00"),
    )
    other = services.do_record_outage(
        actor=None,
        service=make_service("Web", slug="web"),
        kind=OutageKind.PLANNED,
        started_at=utc("2026-03-10 20:00"),
        title="Upgrade",
        at=utc("2026-03-10 20:00"),
    )
    sync()
    do_update_service(mail, actor=None, name="E-mail")
    sync()
    facts = outage_facts()
    assert (facts[kept.number]["service"], facts[kept.number]["offering"]) == (
        "E-mail",
        "E-mail: Webmail",
    )
    assert (facts[kept.number]["share_affected"], facts[kept.number]["duration_hours"]) == (
        40,
        0.75,
    )
    assert facts[other.number]["service"] == "Web"
    rebuild()
    assert outage_facts() == facts
