"""Incident factories and assertions shared by the incident tests."""

from collections.abc import Callable
from itertools import count
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.journal.models import JournalEvent
from kaizen.people.models import UserKind
from kaizen.testing import assert_query_count, make_user

_sequence = count(1)


def make_incident(caller=None, **fields: Any) -> Incident:
    """An incident opened by the system through the service (so it is journaled)."""
    if caller is None:
        caller = make_user(f"caller{next(_sequence)}", kind=UserKind.REQUESTER)
    fields.setdefault("short_description", f"Something is broken #{next(_sequence)}")
    actor = fields.pop("actor", None)
    return services.do_open_incident(actor=actor, caller=caller, **fields)


def move(incident: Incident, *states: str, actor=None, at=None, **inputs: Any) -> Incident:
    """Walk the incident through `states` with the inputs each needs (hold reason,
    resolution; `inputs` override them), skipping the version check."""
    defaults = {
        "on_hold": {"on_hold_reason": "awaiting_caller"},
        "resolved": {"resolution_code": "solved", "resolution_notes": "Restarted the service."},
    }
    for state in states:
        options = {**defaults.get(state, {}), **inputs} if state in defaults else {}
        incident = services.do_change_incident_state(
            incident, state, actor=actor, expected_version=None, at=at, **options
        )
    return incident


def events_of(incident: Incident) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(incident).order_by("id"))


def last_event(incident: Incident) -> JournalEvent:
    return JournalEvent.objects.for_subject(incident).latest("id")


def assert_constant_queries(
    key: str, fetch: Callable[[], HttpResponse], add_rows: Callable[[], object]
) -> None:
    """`fetch()` answers 200 in the committed baseline `key` of queries, before and after
    `add_rows()` adds more rows (no N+1)."""
    counts = []
    for step in range(2):
        if step:
            add_rows()
        ContentType.objects.clear_cache()
        with assert_query_count("incidents", key) as captured:
            response = fetch()
            assert response.status_code == 200, response
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
