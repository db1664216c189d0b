"""Outages proposed from the journal: a major (or critical) incident on a service, a change
closed as failed or backed out; followed as the ticket moves on; nothing proposed twice."""

import datetime as dt

import pytest

from kaizen.availability.models import CauseKind, Outage, OutageOrigin, OutageStatus
from kaizen.availability.proposals import do_propose_outages
from kaizen.changes.tests.factories import T0, authorised_normal_change, move
from kaizen.incidents import services as incident_services
from kaizen.incidents.tests.helpers import make_incident
from kaizen.incidents.tests.helpers import move as move_incident
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_a_major_incident_proposes_an_outage_that_follows_it_until_resolved():
    mail = make_service("Mail")
    minor = make_incident(service=mail, impact=3, urgency=3, at=utc("2026-03-10 09:00"))
    incident = make_incident(service=mail, impact=3, urgency=3, at=utc("2026-03-10 10:00"))
    make_incident(impact=1, urgency=1, at=utc("2026-03-10 10:00"))  # critical, on no service
    first = do_propose_outages()
    assert first.proposed == 0 and not Outage.objects.exists()
    incident_services.do_update_incident(
        incident, actor=None, expected_version=None, major_incident=True
    )
    assert do_propose_outages().proposed == 1
    outage = Outage.objects.get()
    assert (outage.service, outage.status, outage.origin) == (
        mail,
        OutageStatus.PROPOSED,
        OutageOrigin.MAJOR_INCIDENT,
    )
    assert (outage.cause_kind, outage.cause_reference) == (CauseKind.INCIDENT, incident.number)
    assert outage.started_at == utc("2026-03-10 10:00") and outage.ended_at is None
    # Nothing new in the journal for it: a re-run proposes nothing and changes nothing.
    assert do_propose_outages().proposed == 0
    move_incident(incident, "in_progress", "resolved", at=utc("2026-03-10 12:30"))
    run = do_propose_outages()
    assert run.proposed == 0 and run.followed == 1
    outage.refresh_from_db()
    assert outage.ended_at == utc("2026-03-10 12:30")
    assert not Outage.objects.filter(cause_reference=minor.number).exists()


def test_a_failed_change_proposes_an_outage_per_service_over_its_work(agent):
    mail, calendar_service = make_service("Mail"), make_service("Calendar")
    change = authorised_normal_change(agent, services_=[mail, calendar_service])
    move(change, "scheduled", agent, T0 + dt.timedelta(days=2))
    move(change, "implement", agent, T0 + dt.timedelta(days=7))
    move(change, "review", agent, T0 + dt.timedelta(days=7, hours=3))
    assert do_propose_outages().proposed == 0  # not closed yet: it may have gone well
    change.refresh_from_db()
    from kaizen.changes import services as change_services

    change_services.do_record_review(
        change, actor=agent, expected_version=None, objectives_met=False, lessons_learned="x"
    )
    move(change, "closed", agent, T0 + dt.timedelta(days=8), closure_code="backed_out")
    run = do_propose_outages()
    assert run.proposed == 2 and run.by_source == {"change": 2}
    outages = Outage.objects.order_by("service__name")
    assert [outage.service for outage in outages] == [calendar_service, mail]
    assert {(o.started_at, o.ended_at) for o in outages} == {
        (T0 + dt.timedelta(days=7), T0 + dt.timedelta(days=7, hours=3))
    }
    assert {o.origin for o in outages} == {OutageOrigin.FAILED_CHANGE}
    assert do_propose_outages().proposed == 0
