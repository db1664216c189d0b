"""The collaborator hooks: SLA clocks refreshed after every write, notifications queued for
the right people with the right template, category and context."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.incidents import services
from kaizen.incidents.tests.helpers import make_incident, move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_it_refreshes_the_sla_clocks_after_every_write(hooks, requester, agent, service_desk):
    incident = make_incident(requester)
    services.do_update_incident(incident, actor=agent, expected_version=None, urgency=1)
    services.do_assign_incident(
        incident, assignment_group=service_desk, assignee=agent, actor=agent, expected_version=None
    )
    move(incident, "in_progress", actor=agent)
    services.do_add_incident_comment(incident, "Note", actor=agent, is_work_note=True)
    services.do_add_incident_attachment(incident, SimpleUploadedFile("a.txt", b"a"), actor=agent)
    assert hooks["clocks"] == [incident.pk] * 6


def test_it_refreshes_the_clocks_after_the_event_inside_the_transaction(monkeypatch, requester):
    from django.db import transaction

    from kaizen.journal.models import JournalEvent

    seen = []

    def refresh(incident):
        seen.append(
            (
                transaction.get_connection().in_atomic_block,
                JournalEvent.objects.for_subject(incident).count(),
            )
        )

    monkeypatch.setattr("kaizen.sla.refresh.refresh_ticket_clocks", refresh)
    incident = make_incident(requester)
    move(incident, "in_progress")
    assert seen == [(True, 1), (True, 2)]


def test_it_does_not_refresh_when_nothing_changed(incident, hooks):
    services.do_update_incident(incident, actor=None, expected_version=1, urgency=incident.urgency)
    assert hooks["clocks"] == []


def test_it_tells_the_assignee_unless_they_took_it_themselves(
    hooks, incident, service_desk, agent, incident_manager
):
    services.do_assign_incident(
        incident,
        assignment_group=service_desk,
        assignee=agent,
        actor=incident_manager,
        expected_version=None,
    )
    services.do_assign_incident(
        incident, assignment_group=service_desk, assignee=None, actor=agent, expected_version=None
    )
    services.do_assign_incident(
        incident, assignment_group=service_desk, assignee=agent, actor=agent, expected_version=None
    )
    assert len(hooks["notifications"]) == 1
    sent = hooks["notifications"][0]
    assert (sent["template"], sent["recipients"], sent["category"]) == (
        "incident_assigned",
        ["alan"],
        "incident_assigned",
    )
    assert sent["context"]["incident"].pk == incident.pk
    assert sent["context"]["actor"] == incident_manager
    assert sent["context"]["url"] == "/incidents/INC0000001/"


def test_it_tells_the_assignee_of_an_incident_opened_for_them(
    hooks, requester, service_desk, agent
):
    make_incident(requester, assignment_group=service_desk, assignee=agent)
    assert [n["recipients"] for n in hooks["notifications"]] == [["alan"]]


@pytest.mark.parametrize(
    ("states", "template"),
    [
        (["on_hold"], "incident_updated"),
        (["resolved"], "incident_resolved"),
        (["resolved", "closed"], "incident_updated"),
    ],
)
def test_it_tells_the_caller_of_hold_resolution_and_closure(
    hooks, incident, agent, states, template
):
    move(incident, *states, actor=agent)
    sent = hooks["notifications"][-1]
    assert (sent["template"], sent["recipients"], sent["category"]) == (
        template,
        ["rita"],
        "incident_updates",
    )
    assert sent["context"]["actor"] == agent
    assert sent["context"]["incident"].state == states[-1]
    if template == "incident_resolved":
        assert sent["context"]["reopen_days"] == 7


@pytest.mark.parametrize("states", [["in_progress"], ["cancelled"]])
def test_it_does_not_tell_the_caller_of_other_moves(hooks, incident, agent, states):
    move(incident, *states, actor=agent)
    assert hooks["notifications"] == []


def test_it_tells_the_caller_of_comments_by_others_only(hooks, incident, agent, requester):
    comment = services.do_add_incident_comment(incident, "Please restart.", actor=agent)
    services.do_add_incident_comment(incident, "Done, still broken.", actor=requester)
    services.do_add_incident_comment(incident, "Internal", actor=agent, is_work_note=True)
    assert len(hooks["notifications"]) == 1
    sent = hooks["notifications"][0]
    assert (sent["template"], sent["recipients"], sent["category"]) == (
        "incident_updated",
        ["rita"],
        "incident_updates",
    )
    assert sent["context"]["comment"] == comment
    assert sent["context"]["url"] == incident.get_absolute_url()


def test_it_stays_quiet_when_replaying_history(hooks, requester, service_desk, agent):
    incident = services.do_open_incident(
        actor=None,
        caller=requester,
        short_description="Old",
        assignment_group=service_desk,
        assignee=agent,
        notify=False,
    )
    services.do_change_incident_state(
        incident,
        "resolved",
        actor=agent,
        expected_version=None,
        resolution_code="solved",
        resolution_notes="Fixed",
        notify=False,
    )
    services.do_add_incident_comment(incident, "Closing note", actor=agent, notify=False)
    assert hooks["notifications"] == []
    assert len(hooks["clocks"]) == 3


def test_the_mail_templates_render_for_every_notification(incident, agent, requester):
    from django.template.loader import render_to_string

    comment = services.do_add_incident_comment(incident, "Please restart & retry.", actor=agent)
    context = {
        "incident": incident,
        "actor": agent,
        "url": "/incidents/INC0000001/",
        "recipient": requester,
        "site_url": "https://itsm.example.com",
        "comment": comment,
    }
    text = render_to_string("notifications/incident_updated.txt", context)
    assert "Alan Agent commented on your incident INC0000001" in text
    assert "https://itsm.example.com/incidents/INC0000001/" in text
    for name in ("incident_updated", "incident_resolved", "incident_assigned"):
        for suffix in ("subject.txt", "txt", "html"):
            assert "INC0000001" in render_to_string(f"notifications/{name}.{suffix}", context)
