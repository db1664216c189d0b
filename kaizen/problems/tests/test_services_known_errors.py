"""The known-error services: recorded from a problem, edited with a version check, published
(to agents, to the portal), retired, applied to an incident (linked, workaround as a work
note, journaled on both records)."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.core.errors import Conflict
from kaizen.incidents.models import IncidentComment
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.journal.tracking import VersionConflict
from kaizen.problems.models import KnownErrorStatus, LinkedIncident
from kaizen.problems.services import known_errors
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.tests.known_error_fixtures import HOUR, T0, incident, publish

pytestmark = pytest.mark.django_db


def events(record, event_type):
    return list(JournalEvent.objects.for_subject(record).filter(event_type=event_type))


def test_it_copies_the_problem_into_a_draft(problem, problem_manager, vpn, gateway):
    recorded = known_errors.do_record_known_error(
        problem, actor=problem_manager, at=T0, title="VPN tunnel times out"
    )
    assert recorded.number == "KE0000001"
    assert recorded.status == KnownErrorStatus.DRAFT
    assert recorded.title == "VPN tunnel times out"  # given
    assert recorded.symptom == problem.description  # copied
    assert recorded.workaround == problem.workaround
    assert recorded.category == "Network"
    assert list(recorded.services.all()) == [vpn]
    assert list(recorded.configuration_items.all()) == [gateway]
    (created,) = events(recorded, EventType.KNOWN_ERROR_CREATED)
    assert created.changes["title"] == {"old": None, "new": "VPN tunnel times out"}
    assert created.changes["services"]["new"][0]["repr"] == "VPN"


def test_it_refuses_a_known_error_without_a_problem_or_a_symptom(problem, problem_manager):
    with pytest.raises(ValidationError) as refused:
        known_errors.do_record_known_error(None, actor=problem_manager)
    assert "problem" in refused.value.message_dict
    problem.description = ""
    with pytest.raises(ValidationError) as refused:
        known_errors.do_record_known_error(problem, actor=problem_manager)
    assert "symptom" in refused.value.message_dict


def test_it_updates_with_the_version_read_and_refuses_a_stale_one(known_error, problem_manager):
    version = known_error.version
    known_errors.do_update_known_error(
        known_error, actor=problem_manager, expected_version=version, title="VPN times out"
    )
    assert known_error.title == "VPN times out" and known_error.version == version + 1
    (updated,) = events(known_error, EventType.KNOWN_ERROR_UPDATED)
    assert updated.changes == {
        "title": {"old": "VPN drops after 10 minutes", "new": "VPN times out"}
    }
    with pytest.raises(VersionConflict):
        known_errors.do_update_known_error(
            known_error, actor=problem_manager, expected_version=version, title="Stale"
        )


def test_it_publishes_to_the_portal_with_a_requester_title(known_error, problem_manager):
    publish(known_error, problem_manager, to_portal=True, portal_title="VPN keeps disconnecting")
    assert known_error.published_to_portal
    assert known_error.portal_title == "VPN keeps disconnecting"
    (published,) = events(known_error, EventType.KNOWN_ERROR_PUBLISHED)[-1:]
    assert published.changes["published_to_portal"] == {"old": False, "new": True}


def test_it_needs_a_workaround_to_publish_to_agents(problem, problem_manager):
    problem.workaround = ""
    draft = known_errors.do_record_known_error(problem, actor=problem_manager)
    with pytest.raises(ValidationError) as refused:
        publish(draft, problem_manager)
    assert "workaround" in refused.value.message_dict


def test_a_retired_known_error_is_neither_published_nor_applied(known_error, problem_manager):
    known_errors.do_retire_known_error(known_error, actor=problem_manager)
    assert known_error.status == KnownErrorStatus.RETIRED and known_error.retired_at
    with pytest.raises(Conflict):
        publish(known_error, problem_manager)
    with pytest.raises(Conflict):
        known_errors.do_apply_known_error(known_error, incident().number, actor=problem_manager)


def test_applying_links_the_incident_and_copies_the_workaround(known_error, agent, problem):
    worked = incident(short_description="VPN disconnects")
    link = known_errors.do_apply_known_error(
        known_error, worked.number, actor=agent, at=T0 + 3 * HOUR
    )
    assert (link.problem, link.incident_number) == (problem, worked.number)
    assert link.known_error == known_error
    assert link.workaround_applied and link.workaround_applied_at == T0 + 3 * HOUR
    (note,) = IncidentComment.objects.filter(incident=worked)
    assert note.is_work_note and note.author == agent
    assert note.body == (
        "Workaround from known error KE0000001 (VPN drops after 10 minutes):\n\n"
        "Reconnect with the 'Legacy' profile, which keeps the tunnel alive."
    )
    (applied,) = events(known_error, EventType.KNOWN_ERROR_APPLIED)
    assert applied.data == {"incident": worked.number, "workaround_copied": True}
    assert applied.actor == agent
    (on_incident,) = events(worked, EventType.INCIDENT_KNOWN_ERROR_APPLIED)
    assert on_incident.data["known_error"] == "KE0000001"
    assert events(worked, EventType.INCIDENT_PROBLEM_LINKED)
    assert events(worked, EventType.INCIDENT_WORK_NOTE_ADDED)


def test_applying_without_copying_links_only(known_error, agent):
    worked = incident()
    link = known_errors.do_apply_known_error(
        known_error, worked.number, actor=agent, copy_workaround=False
    )
    assert not link.workaround_applied
    assert not IncidentComment.objects.filter(incident=worked).exists()
    (applied,) = events(known_error, EventType.KNOWN_ERROR_APPLIED)
    assert applied.data["workaround_copied"] is False


def test_applying_to_an_incident_already_linked_marks_the_link(known_error, agent, problem):
    worked = incident()
    do_link_incidents(problem, [worked.number], actor=agent)
    known_errors.do_apply_known_error(known_error, worked.number, actor=agent)
    (link,) = LinkedIncident.objects.filter(incident_number=worked.number)
    assert link.known_error == known_error and link.workaround_applied
    assert len(events(worked, EventType.INCIDENT_PROBLEM_LINKED)) == 1


def test_applying_a_draft_or_to_an_unknown_incident_is_refused(problem, problem_manager, agent):
    draft = known_errors.do_record_known_error(problem, actor=problem_manager)
    with pytest.raises(Conflict):
        known_errors.do_apply_known_error(draft, incident().number, actor=agent)
    published = publish(draft, problem_manager)
    with pytest.raises(ValidationError) as refused:
        known_errors.do_apply_known_error(published, "INC9999999", actor=agent)
    assert refused.value.message_dict == {"incident": ["there is no incident INC9999999"]}
    assert not LinkedIncident.objects.exists()


def test_the_journal_alone_rebuilds_each_known_error(known_error, problem_manager, agent, vpn):
    from kaizen.journal.verify import verify_journal

    known_errors.do_update_known_error(
        known_error, actor=problem_manager, expected_version=None, services=[], title="VPN"
    )
    known_errors.do_apply_known_error(known_error, incident().number, actor=agent)
    known_errors.do_retire_known_error(known_error, actor=problem_manager)
    reports = {report.kind: report for report in verify_journal()}
    assert reports["problems.knownerror"].mismatches == []
    assert reports["problems.knownerror"].records == 1
