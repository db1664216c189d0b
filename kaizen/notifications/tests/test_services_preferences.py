"""Opting out and back in: one journal event per real change, none for a no-op."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import NotificationOptOut
from kaizen.notifications.selectors import preferences_for
from kaizen.notifications.services import do_set_notification_preferences

pytestmark = pytest.mark.django_db


def events_for(user) -> list[tuple[str, dict]]:
    events = JournalEvent.objects.for_subject(user).order_by("id")
    return [
        (event.event_type, event.data)
        for event in events
        if event.event_type.startswith("notifications.")
    ]


def test_it_opts_out_and_back_in_with_journal_events(agent):
    saved = do_set_notification_preferences(
        agent, {"sla_warning": False, "incident_updates": True}, actor=agent
    )
    assert saved == {
        "incident_updates": True,
        "request_updates": True,
        "incident_assigned": True,
        "sla_warning": False,
        "sla_breach": True,
        "change_approvals": True,
        "problem_risk_review": True,
        "request_approvals": True,
        "request_task_queued": True,
    }
    assert NotificationOptOut.objects.filter(user=agent).count() == 1
    do_set_notification_preferences(agent, {"sla_warning": True}, actor=agent)
    assert preferences_for(agent)["sla_warning"] is True
    assert events_for(agent) == [
        (EventType.NOTIFICATION_OPTED_OUT, {"category": "sla_warning"}),
        (EventType.NOTIFICATION_OPTED_IN, {"category": "sla_warning"}),
    ]
    event = JournalEvent.objects.for_subject(agent).latest("id")
    assert event.actor == agent


def test_it_journals_nothing_when_nothing_changes(agent):
    do_set_notification_preferences(agent, {"sla_breach": False}, actor=None)
    do_set_notification_preferences(agent, {"sla_breach": False}, actor=None)
    do_set_notification_preferences(agent, {"incident_updates": True}, actor=None)
    assert len(events_for(agent)) == 1


def test_it_offers_requesters_only_the_categories_they_can_receive(requester):
    assert preferences_for(requester) == {
        "incident_updates": True,
        "request_updates": True,
        "request_approvals": True,
    }
    with pytest.raises(ValidationError) as error:
        do_set_notification_preferences(requester, {"sla_breach": False}, actor=requester)
    assert error.value.message_dict == {"category": ["unknown notification category: sla_breach"]}
    assert not NotificationOptOut.objects.exists()
