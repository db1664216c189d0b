"""Incident factories and assertions shared by the incident tests."""

from functools import partial
from itertools import count
from typing import Any

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.journal.models import JournalEvent
from kaizen.people.models import UserKind
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries
from kaizen.testing import make_user

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


# The shared check, with this app's query_counts.json.
assert_constant_queries = partial(shared_assert_constant_queries, "incidents")
