"""The kinds of ticket SLA clocks are measured on, as each process registers its own.

The SLA app sits below the processes (incidents, and later changes, problems, requests) and
imports none of them: a process registers its ticket kind here from its AppConfig.ready()
(kaizen/incidents/sla_kind.py is the worked example), and the live refresh, the scan, the
recompute, the definition form and API read what they need of the ticket from the kind.

    register_kind(TicketKind(
        key="incident", label="Incident", model=Incident,
        rules=StateRules(open_states=..., on_hold_state=..., stopped_states=..., ...),
        match_fields=("service", "offering", "priority", "channel", ...),
        on_hold_reasons=OnHoldReason.choices,
        escalate=escalate_incident,
    ))
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from kaizen.people.models import Team
from kaizen.sla.engine import StateRules

# The kind a definition applies to when none is named: the first process Kaizen had. Existing
# definitions were migrated to it (sla/migrations/0003).
DEFAULT_KIND = "incident"

# What an escalation step that changes the ticket itself (reassign, raise priority) calls:
# (ticket, action, the definition's step).
EscalationHook = Callable[[Any, str, dict[str, Any]], None]


def escalation_through(
    update: Callable[..., Any],
    *,
    final_states: Iterable[str],
    group_field: str = "assignment_group",
) -> EscalationHook:
    """The reassign and raise-priority escalations of a kind whose tickets have an assignment
    group and a priority from impact x urgency, made through `update(ticket, **fields)`: the
    process's own service, so the change is journaled like any other. Nothing happens to a
    ticket in one of `final_states`."""
    final = frozenset(str(state) for state in final_states)

    def escalate(ticket: Any, action: str, step: dict[str, Any]) -> None:
        from kaizen.sla.models import EscalationAction  # the models import this module

        if ticket.state in final:
            return
        if action == EscalationAction.REASSIGN:
            team = Team.objects.filter(slug=step.get("team"), is_active=True).first()
            if team is not None and team.pk != getattr(ticket, f"{group_field}_id"):
                update(ticket, **{group_field: team})
        elif action == EscalationAction.RAISE_PRIORITY:
            # Priority follows impact x urgency: raise the urgency first, then the impact.
            if ticket.urgency > 1:
                update(ticket, urgency=ticket.urgency - 1)
            elif ticket.impact > 1:
                update(ticket, impact=ticket.impact - 1)

    return escalate


@dataclass(frozen=True)
class TicketKind:
    """What the SLA app needs to know of one kind of ticket."""

    key: str  # stored on definitions (SLADefinition.ticket_kind): never change it
    label: str
    model: type[models.Model]
    # Which states count, pause, stop and cancel, and which field records the first response.
    rules: StateRules
    # The ticket fields a definition may match on (its service, offering, priorities and
    # conditions); the journal records each of them, as the engine reads them from there.
    match_fields: tuple[str, ...]
    # (value, label) of the on-hold reasons a definition may list as pausing its clock.
    on_hold_reasons: tuple[tuple[str, str], ...]
    # Reassign / raise priority; None when the kind has no such escalations.
    escalate: EscalationHook | None = None
    # Where the nearest due time of the running clocks and the SLA status are written back.
    due_field: str = "sla_due_at"
    sla_state_field: str = "sla_state"
    # When the ticket was opened: `kaizen sla recompute --since` takes the ones opened since.
    opened_field: str = "opened_at"
    # Who escalation notifications go to: the assignee, the group's members, its manager.
    assignee_field: str = "assignee"
    group_field: str = "assignment_group"
    # The one-line summary shown after the ticket's number in notifications.
    title_field: str = "short_description"
    # The ticket's name in the notification templates' context (sla/templates/notifications
    # read the generic `ticket`; a kind's own templates may read this name too).
    notification_name: str = "ticket"

    @property
    def plural_label(self) -> str:
        """ "incidents", "changes", "requests": the kind in a sentence."""
        return f"{self.label.lower()}s"

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(sorted(self.rules.open_states))

    @property
    def on_hold_reason_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.on_hold_reasons)

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)


_kinds: dict[str, TicketKind] = {}


def register_kind(kind: TicketKind) -> None:
    """Called once per process from its AppConfig.ready(); registering a key again replaces
    it (tests reload apps)."""
    _kinds[kind.key] = kind


def registered_kinds() -> Sequence[TicketKind]:
    """Every registered kind, in registration order (the order of INSTALLED_APPS)."""
    return tuple(_kinds.values())


def get_kind(key: str) -> TicketKind:
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"no ticket kind {key!r} is registered with the SLA app") from None


def kind_of(ticket: models.Model) -> TicketKind:
    """The registered kind whose model `ticket` is."""
    model = type(ticket)._meta.concrete_model
    for kind in _kinds.values():
        if kind.model is model:
            return kind
    raise LookupError(f"{model.__name__} is not a ticket kind registered with the SLA app")


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every registered kind, for forms, the API and filters."""
    return [(kind.key, kind.label) for kind in _kinds.values()]


def on_hold_reason_choices() -> list[tuple[str, str]]:
    """Every kind's on-hold reasons, each once, in registration order."""
    seen: dict[str, str] = {}
    for kind in _kinds.values():
        for value, label in kind.on_hold_reasons:
            seen.setdefault(value, label)
    return list(seen.items())
