"""The `reopen` action other processes use (a survey's "not resolved"): the incident's own
lifecycle reopens it within the reopen window, with the reason as a comment, and refuses
otherwise."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.incidents.models import IncidentComment, State
from kaizen.incidents.tests.helpers import make_incident, move

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def test_it_reopens_a_resolved_incident_within_its_window_with_the_reason(settings):
    settings.KAIZEN_REOPEN_WINDOW_DAYS = 7
    incident = move(make_incident(), "in_progress", "resolved", at=T0)
    reopen = ticket_source("incident").reopen
    reopen(incident, "Not resolved, says the survey.", actor=None, at=T0 + dt.timedelta(days=3))
    incident.refresh_from_db()
    assert incident.state == State.IN_PROGRESS and incident.reopen_count == 1
    comment = IncidentComment.objects.get(incident=incident)
    assert comment.body == "Not resolved, says the survey." and not comment.is_work_note


def test_it_refuses_after_the_window_and_when_not_resolved(settings):
    settings.KAIZEN_REOPEN_WINDOW_DAYS = 7
    reopen = ticket_source("incident").reopen
    incident = move(make_incident(), "in_progress", "resolved", at=T0)
    with pytest.raises(ValidationError) as late:
        reopen(incident, "too late", actor=None, at=T0 + dt.timedelta(days=8))
    assert "within 7 days" in str(late.value)
    open_one = move(make_incident(), "in_progress", at=T0)
    with pytest.raises(ValidationError) as not_resolved:
        reopen(open_one, "x", actor=None, at=T0)
    assert "not resolved" in str(not_resolved.value)
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED
