"""The opportunity scan's "changes followed by incidents": a service whose recent changes
cause incidents above its usual rate, worked out by hand on changes raised, implemented and
linked to the incidents they caused through the services."""

import datetime as dt
from itertools import count

import pytest

from kaizen.analytics.sync import sync
from kaizen.changes import services as change_services
from kaizen.improvement.models import OpportunityKind
from kaizen.improvement.opportunity_detection import changes_causing_incidents
from kaizen.incidents.tests.helpers import make_incident
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)  # recent: 1 Sep - 30 Nov 2026; usual: 1 Sep 2025 - 31 Aug 2026
_days = count()


def implemented(agent, requester, service, day: dt.date, *, caused: bool) -> None:
    start = dt.datetime.combine(day, dt.time(22), tzinfo=dt.UTC)
    raised = start - dt.timedelta(days=6, hours=next(_days) % 5)
    change = change_services.do_raise_change(
        actor=agent,
        at=raised,
        title="Patch",
        description="d",
        justification="j",
        implementation_plan="i",
        backout_plan="b",
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        services=[service],
    )
    for state, hours in (("assess", 1), ("authorise", 2)):
        change_services.do_move_change(
            change, state, actor=agent, expected_version=None, at=raised + dt.timedelta(hours=hours)
        )
    change_services.do_decide_authorisation(
        change, authorised=True, actor=None, at=raised + dt.timedelta(hours=3)
    )
    change_services.do_move_change(
        change, "scheduled", actor=agent, expected_version=None, at=raised + dt.timedelta(hours=4)
    )
    change_services.do_move_change(
        change, "implement", actor=agent, expected_version=None, at=start
    )
    if caused:
        incident = make_incident(requester, service=service)
        change_services.do_link_caused_incident(change, incident.number, actor=agent)


def test_a_service_whose_changes_now_cause_incidents_more_often_is_found(
    agent, requester, analytics_store
):
    mail, vpn = make_service(name="Mail", slug="mail"), make_service(name="VPN", slug="vpn")
    # Usual: 10 Mail changes, 1 causing an incident (10 %).
    for month in range(10):
        implemented(
            agent, requester, mail, dt.date(2025, 10 + month % 3, 5 + month), caused=month == 0
        )
    # Recent: 6 Mail changes, 3 causing (50 %); 5 VPN changes, 1 causing (too few to say).
    for day in range(6):
        implemented(agent, requester, mail, dt.date(2026, 10, 1 + day), caused=day < 3)
    for day in range(5):
        implemented(agent, requester, vpn, dt.date(2026, 10, 10 + day), caused=day == 0)
    sync()

    findings = changes_causing_incidents(TODAY)
    assert [(f.dimension, f.dimension_value) for f in findings] == [("service", "Mail")]
    (found,) = findings
    assert found.kind == OpportunityKind.CHANGES_CAUSING_INCIDENTS
    assert found.strength == pytest.approx(3 - 6 * 0.10)  # 2.4 beyond the usual rate
    figure = found.evidence["figure"]
    assert (figure["value"], figure["n"], figure["caused"]) == (50.0, 6, 3)
    assert figure["usual"] == pytest.approx(10.0)
    assert found.evidence["range"] == {"start": "2026-09-01", "end": "2026-11-30"}
    assert "3 of the 6 changes implemented on service Mail" in found.summary
    assert "its own 10 changes" in found.summary
    vpn_row = next(row for row in found.evidence["breakdown"] if row["value"] == "VPN")
    assert (vpn_row["n"], vpn_row["caused"]) == (5, 1)


def test_a_group_without_history_is_compared_with_every_change(agent, requester, analytics_store):
    mail, new = make_service(name="Mail", slug="mail"), make_service(name="New", slug="new")
    for month in range(10):  # usual, all services: 10 changes, none causing
        implemented(agent, requester, mail, dt.date(2025, 11, 1 + month), caused=False)
    for day in range(5):  # the new service: 2 of 5 recent changes cause incidents
        implemented(agent, requester, new, dt.date(2026, 10, 1 + day), caused=day < 2)
    sync()
    (found,) = changes_causing_incidents(TODAY)
    assert found.dimension_value == "New" and found.strength == pytest.approx(2.0)
    assert "all 10 changes" in found.summary
