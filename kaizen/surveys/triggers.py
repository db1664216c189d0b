"""What a survey can be triggered by, registered by journal event type.

The planner (planner.py) reads the journal, not the processes: for each event whose type a
trigger kind registered, the kind says whether it is a trigger (an incident's state moving to
resolved or closed) and how; then it reads the tickets through the catalogue's ticket source
(kaizen/catalog/ticket_sources.py) under the field names the kind gives. The incident kind is
registered from this app's ready(); service requests add theirs the same way once they exist
(`register_trigger_kind(TriggerKind(key="request", event_type="requests.request...", ...))`),
with no change to the planner.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.journal.events import EventType


@dataclass(frozen=True)
class Fired:
    """An event that may start a survey: the outcome it reached and why it may be excluded."""

    outcome: str  # "resolved" / "closed"
    auto_closed: bool = False


@dataclass(frozen=True)
class TicketFields:
    """The ticket's field names, read through the ticket source's model ("" : it has none)."""

    requester: str
    opened_by: str = ""
    resolver: str = ""
    service: str = ""
    priority: str = ""
    team: str = ""
    channel: str = ""
    resolved_at: str = ""
    sla_state: str = ""
    reassignment_count: str = ""
    reopen_count: str = ""


@dataclass(frozen=True)
class TriggerKind:
    key: str  # stored on triggers: never change it
    label: str
    event_type: str
    source_key: str  # the ticket source (kaizen.catalog.ticket_sources) its tickets come from
    # fires(changes, data, actor_id): the trigger this event is, or None.
    fires: Callable[[Mapping[str, Any], Mapping[str, Any], int | None], Fired | None]
    fields: TicketFields
    # The notification categories (kaizen/notifications/categories.py) of the survey mail to
    # the requester and of the follow-up mail to the team's lead: a person who switched off
    # surveys is never drawn (and so never counted as not answering).
    mail_category: str = "satisfaction_surveys"
    follow_up_category: str = "satisfaction_follow_ups"


_KINDS: dict[str, TriggerKind] = {}


def register_trigger_kind(kind: TriggerKind) -> None:
    _KINDS[kind.key] = kind


def trigger_kind(key: str) -> TriggerKind | None:
    return _KINDS.get(key)


def trigger_kinds() -> list[TriggerKind]:
    return list(_KINDS.values())


def kinds_by_event_type() -> dict[str, list[TriggerKind]]:
    by_type: dict[str, list[TriggerKind]] = {}
    for kind in _KINDS.values():
        by_type.setdefault(kind.event_type, []).append(kind)
    return by_type


def _incident_fired(
    changes: Mapping[str, Any], data: Mapping[str, Any], actor_id: int | None
) -> Fired | None:
    new_state = (changes.get("state") or {}).get("new")
    if new_state == "resolved":
        return Fired("resolved")
    if new_state == "closed":
        # The auto-close (kaizen/incidents/services/auto_close.py) closes as the system and
        # says so in the event's reason.
        reason = str(data.get("reason", ""))
        return Fired("closed", auto_closed=actor_id is None and "automatically" in reason)
    return None  # cancelled and every other move start no survey


INCIDENT_KIND = TriggerKind(
    key="incident",
    label="Incident",
    event_type=EventType.INCIDENT_STATE_CHANGED.value,
    source_key="incident",
    fires=_incident_fired,
    fields=TicketFields(
        requester="caller",
        opened_by="opened_by",
        resolver="assignee",
        service="service",
        priority="priority",
        team="assignment_group",
        channel="channel",
        resolved_at="resolved_at",
        sla_state="sla_state",
        reassignment_count="reassignment_count",
        reopen_count="reopen_count",
    ),
)


def field_choices(kind: TriggerKind, name: str) -> list[tuple[Any, str]]:
    """The choices of one of the kind's ticket fields ("priority", "channel"), read from the
    ticket source's model: the conditions' choices in forms, and labels on pages."""
    source = ticket_source(kind.source_key)
    field_name = getattr(kind.fields, name, "")
    if source is None or not field_name:
        return []
    return [
        (value, str(label)) for value, label in source.model._meta.get_field(field_name).flatchoices
    ]
