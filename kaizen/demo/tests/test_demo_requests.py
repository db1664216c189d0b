"""The demo's service requests: written in bulk, yet the journal folds back into every stored
request and task; approvals in every state; a second load adds nothing."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.demo.catalog import load_catalog
from kaizen.demo.people import load_people
from kaizen.demo.requests import load_requests
from kaizen.demo.sla import load_sla
from kaizen.requests.models import (
    FulfilmentTask,
    RequestApproval,
    RequestType,
    ServiceRequest,
    StepState,
)
from kaizen.sla.models import SLAClock
from kaizen.testing import PASSWORD

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_the_demo_requests_match_their_journal_and_cover_every_state():
    load_people(PASSWORD)
    load_catalog()
    load_sla()
    added = load_requests(NOW, count=400)
    assert set(RequestType.objects.values_list("name", flat=True)) >= {
        "New laptop",
        "Access to a shared drive",
        "Software installation",
        "New starter",
    }
    assert added["service requests"] == ServiceRequest.objects.count() > 350
    assert added["fulfilment tasks"] == FulfilmentTask.objects.count()
    states = set(ServiceRequest.objects.values_list("state", flat=True))
    assert {"awaiting_approval", "rejected", "cancelled", "closed"} <= states
    steps = set(RequestApproval.objects.values_list("state", flat=True))
    assert {StepState.PENDING, StepState.APPROVED, StepState.REJECTED, StepState.WITHDRAWN} <= steps
    assert SLAClock.objects.filter(service_request__isnull=False).exists()
    # Every step started and decided is in its request's journal, as the services write it.
    from kaizen.journal.events import EventType
    from kaizen.journal.models import JournalEvent

    events = JournalEvent.objects.filter(
        subject_type__model="servicerequest",
        event_type__in=(
            EventType.REQUEST_APPROVAL_REQUESTED,
            EventType.REQUEST_APPROVAL_CONCLUDED,
        ),
    )
    started = RequestApproval.objects.exclude(state__in=(StepState.WAITING, StepState.WITHDRAWN))
    decided = started.exclude(state=StepState.PENDING)
    assert events.filter(event_type=EventType.REQUEST_APPROVAL_REQUESTED).count() == (
        started.count()
    )
    assert events.filter(event_type=EventType.REQUEST_APPROVAL_CONCLUDED).count() == (
        decided.count()
    )
    out = StringIO()
    call_command("journal", "verify", stdout=out)  # exits with status 1 on any mismatch
    report = out.getvalue()
    for kind in ("requests.request", "requests.task", "requests.request_type"):
        assert re.search(
            rf"^{re.escape(kind)}: \d+ records?, \d+ events?: the journal matches", report, re.M
        ), report
    # Run again: nothing more.
    again = load_requests(NOW, count=400)
    assert "service requests" not in again
    assert ServiceRequest.objects.count() == added["service requests"]
