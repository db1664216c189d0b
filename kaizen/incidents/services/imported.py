"""Writing incidents imported from another tool, with their whole history, in bulk.

An importer (kaizen.imports) reads another tool's export and describes each incident as its
initial values plus the ordered steps of its history (what changed, when, by whom). This
service turns that into exactly what live work leaves behind: the incident row at its final
state, a created event with every initial field, and one event per step with the old and new
value of each changed field (state changes, assignments, updates), so SLA clocks and KPI facts
rebuilt from the journal see an imported incident as they see a live one.

It writes in bulk (one transaction per batch, a few statements per batch rather than per
incident) because a history of hundreds of thousands of rows must import in seconds. Related
records are given by name; the people, teams, categories, CIs and locations named are found or
created through their own apps' services. An incident whose number exists already is skipped
when it came from the same source (a re-run creates nothing twice) and refused otherwise.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from kaizen.catalog import services as catalog_services
from kaizen.core.bulk import insert_objects
from kaizen.incidents.models import Incident, NumberSequence
from kaizen.incidents.services.base import snapshot
from kaizen.incidents.services.categories import do_ensure_categories
from kaizen.incidents.services.records import NUMBER_PREFIX
from kaizen.journal.events import EventType
from kaizen.journal.services import PendingEvent, record_events, to_journal_value
from kaizen.people import services as people_services
from kaizen.people.models import UserKind

# Fields given by name in an import, with the kind of record each names.
PEOPLE_FIELDS = {
    "caller": UserKind.REQUESTER,
    "opened_by": UserKind.AGENT,
    "assignee": UserKind.AGENT,
}
NAMED_FIELDS = (
    *PEOPLE_FIELDS,
    "assignment_group",
    "configuration_item",
    "location",
    "category",
    "subcategory",
)
ASSIGNMENT_FIELDS = frozenset({"assignment_group", "assignee"})


@dataclass
class ImportedStep:
    """One change in the source's history: the tracked fields it set (related records by
    name, a subcategory as (category, subcategory)), when, and who the source says did it."""

    at: dt.datetime
    actor: str
    values: dict[str, Any]
    # What the source says happened beyond field changes (e.g. a process-mining activity);
    # a step with data but no change is journaled as an update with that data.
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedIncident:
    number: str
    opened_at: dt.datetime
    values: dict[str, Any]  # the initial value of every field the source gives
    steps: list[ImportedStep] = field(default_factory=list)
    opened_by_label: str = ""  # who the source says opened it (the created event's actor)
    source_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedBatch:
    created: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # number -> why
    events: int = 0


class _References:
    """The records named in one batch, found or created once each."""

    def __init__(self, incidents: Sequence[ImportedIncident], source: str) -> None:
        people: dict[str, str] = {}
        teams: set[str] = set()
        cis: set[str] = set()
        locations: set[str] = set()
        categories: set[tuple[str, str | None]] = set()
        memberships: set[tuple[str, str]] = set()
        for incident in incidents:
            group = incident.values.get("assignment_group")
            for values in [incident.values, *(step.values for step in incident.steps)]:
                for name, kind in PEOPLE_FIELDS.items():
                    person = values.get(name)
                    if person and people.get(person) != UserKind.AGENT:
                        people[person] = kind
                group = values.get("assignment_group", group)
                if group:
                    teams.add(group)
                if values.get("assignee") and group:
                    memberships.add((group, values["assignee"]))
                if values.get("configuration_item"):
                    cis.add(values["configuration_item"])
                if values.get("location"):
                    locations.add(values["location"])
                if values.get("category"):
                    categories.add((values["category"], None))
                if values.get("subcategory"):
                    categories.add(values["subcategory"])
        self.people = people_services.do_ensure_people(people, source=source)
        self.teams = people_services.do_ensure_teams(teams, source=source)
        self.cis = catalog_services.do_ensure_configuration_items(cis, source=source)
        self.locations = catalog_services.do_ensure_locations(locations, source=source)
        self.categories = do_ensure_categories(categories, source=source)
        people_services.do_ensure_team_members(
            [(self.teams[team], self.people[person]) for team, person in memberships],
            source=source,
        )

    def resolve(self, name: str, value: Any) -> Any:
        if value is None or name not in NAMED_FIELDS:
            return value
        if name in PEOPLE_FIELDS:
            return self.people[value]
        if name == "assignment_group":
            return self.teams[value]
        if name == "configuration_item":
            return self.cis[value]
        if name == "location":
            return self.locations[value]
        if name == "category":
            return self.categories[(value, None)]
        return self.categories[value]  # subcategory: (category, subcategory)


def _step_event_type(changed: set[str]) -> EventType:
    if "state" in changed:
        return EventType.INCIDENT_STATE_CHANGED
    if changed & ASSIGNMENT_FIELDS:
        return EventType.INCIDENT_ASSIGNED
    return EventType.INCIDENT_UPDATED


def _split_existing(
    incidents: Sequence[ImportedIncident], source: str, outcome: ImportedBatch
) -> list[ImportedIncident]:
    existing = dict(
        Incident.objects.filter(number__in=[i.number for i in incidents]).values_list(
            "number", "imported_from"
        )
    )
    fresh = []
    for incident in incidents:
        if incident.number not in existing:
            fresh.append(incident)
        elif existing[incident.number] == source:
            outcome.already_present.append(incident.number)
        else:
            outcome.refused[incident.number] = (
                f"{incident.number} exists already and did not come from {source}"
            )
    return fresh


@transaction.atomic
def do_import_incidents(incidents: Sequence[ImportedIncident], *, source: str) -> ImportedBatch:
    """Create `incidents` with their histories in one transaction (all of them or none)."""
    outcome = ImportedBatch()
    fresh = _split_existing(incidents, source, outcome)
    if not fresh:
        return outcome
    references = _References(fresh, source)
    incident_type_id = ContentType.objects.get_for_model(Incident).pk
    built = [_build(imported, references, source, incident_type_id) for imported in fresh]
    insert_objects(Incident, [incident for incident, _ in built])
    ids = dict(
        Incident.objects.filter(number__in=[i.number for i, _ in built]).values_list("number", "id")
    )
    events: list[PendingEvent] = []
    for incident, incident_events in built:
        incident.pk = ids[incident.number]
        for event in incident_events:
            event.subject_id = str(incident.pk)
            event.subject_repr = str(incident)[:300]
        events.extend(incident_events)
    record_events(events)
    _advance_number_sequence([incident.number for incident, _ in built])
    outcome.created = [incident.number for incident, _ in built]
    outcome.events = len(events)
    return outcome


def _build(
    imported: ImportedIncident, references: _References, source: str, incident_type_id: int
) -> tuple[Incident, list[PendingEvent]]:
    incident = Incident(
        number=imported.number,
        opened_at=imported.opened_at,
        updated_at=imported.opened_at,
        imported_from=source,
        source_attributes=imported.source_attributes,
        short_description="",
    )
    for name, value in imported.values.items():
        setattr(incident, name, references.resolve(name, value))
    journaled = snapshot(incident)  # the journal's view of the incident as it goes

    def event(event_type: str, at: dt.datetime, actor: str, changes: dict, data: dict) -> Any:
        # Subject id and text are filled in once the incident row exists.
        return PendingEvent(
            at, event_type, None, actor[:200], incident_type_id, "", "", changes, data
        )

    events = [
        event(
            EventType.INCIDENT_CREATED,
            imported.opened_at,
            imported.opened_by_label or source,
            {name: {"old": None, "new": value} for name, value in journaled.items()},
            {"imported_from": source},
        )
    ]
    for step in imported.steps:
        changes: dict[str, dict[str, Any]] = {}
        for name, value in step.values.items():
            new_value = references.resolve(name, value)
            new_journal = to_journal_value(new_value)
            if journaled[name] != new_journal:
                changes[name] = {"old": journaled[name], "new": new_journal}
                journaled[name] = new_journal
                setattr(incident, name, new_value)
        if not changes and not step.data:
            continue
        if changes:
            incident.version += 1
        incident.updated_at = step.at
        events.append(
            event(_step_event_type(set(changes)), step.at, step.actor or source, changes, step.data)
        )
    return incident, events


def _advance_number_sequence(numbers: Sequence[str]) -> None:
    """Let numbers Kaizen hands out later start after the imported ones of its own pattern."""
    highest = max(
        (
            int(number[len(NUMBER_PREFIX) :])
            for number in numbers
            if number.startswith(NUMBER_PREFIX) and number[len(NUMBER_PREFIX) :].isdigit()
        ),
        default=0,
    )
    if not highest:
        return
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(name="incident")
    if sequence.last_value < highest:
        sequence.last_value = highest
        sequence.save(update_fields=["last_value"])
