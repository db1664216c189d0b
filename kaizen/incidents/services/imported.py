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
from kaizen.core.bulk import insert_rows
from kaizen.core.numbering import advance_past
from kaizen.incidents.models import Incident
from kaizen.incidents.services.base import RELATED_FIELDS, TRACKED_FIELDS
from kaizen.incidents.services.categories import do_ensure_categories
from kaizen.incidents.services.records import INCIDENT_NUMBERS
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


Ref = tuple[int, str]  # a record's id and its text, as the journal shows it


class ImportReferences:
    """The records named by an import, found or created once each for the whole run (a
    name met in every batch is looked up once, not once per batch): name -> (id, text)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.people: dict[str, Ref] = {}
        self.agents: set[str] = set()
        self.teams: dict[str, Ref] = {}
        self.cis: dict[str, Ref] = {}
        self.locations: dict[str, Ref] = {}
        self.categories: dict[tuple[str, str | None], Ref] = {}
        self.memberships: set[tuple[str, str]] = set()

    def ensure(self, incidents: Sequence[ImportedIncident]) -> None:
        """Find or create every record `incidents` name that this run has not met yet."""
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
        source = self.source
        # A person first met as a caller and later as an agent is looked up again as an agent.
        new_people = {
            name: kind
            for name, kind in people.items()
            if name not in self.people or (kind == UserKind.AGENT and name not in self.agents)
        }
        self._keep(self.people, people_services.do_ensure_people(new_people, source=source))
        self.agents.update(name for name, kind in people.items() if kind == UserKind.AGENT)
        self._keep(
            self.teams,
            people_services.do_ensure_teams(teams - set(self.teams), source=source),
        )
        self._keep(
            self.cis,
            catalog_services.do_ensure_configuration_items(cis - set(self.cis), source=source),
        )
        self._keep(
            self.locations,
            catalog_services.do_ensure_locations(locations - set(self.locations), source=source),
        )
        self._keep(
            self.categories,
            do_ensure_categories(categories - set(self.categories), source=source),
        )
        new_memberships = memberships - self.memberships
        if new_memberships:
            team_ids = {name: team_id for name, (team_id, _) in self.teams.items()}
            people_services.do_ensure_team_members_by_id(
                [(team_ids[team], self.people[person][0]) for team, person in new_memberships],
                source=source,
            )
            self.memberships |= new_memberships

    @staticmethod
    def _keep(cache: dict[Any, Ref], found: dict[Any, Any]) -> None:
        cache.update((key, (record.pk, str(record))) for key, record in found.items())

    def resolve(self, name: str, value: Any) -> Ref | None:
        """The (id, text) of the record a named field names, or None."""
        if value is None:
            return None
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
    if changed == {"on_hold_reason"}:  # on hold all along, now waiting for something else
        return EventType.INCIDENT_ON_HOLD_REASON_CHANGED
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
            origin = existing[incident.number]
            came_from = f"imported from source {origin!r}" if origin else "created in Kaizen"
            outcome.refused[incident.number] = (
                f"number {incident.number} already exists, {came_from} "
                f"(this import's source is {source!r})"
            )
    return fresh


@transaction.atomic
def do_import_incidents(
    incidents: Sequence[ImportedIncident],
    *,
    source: str,
    references: ImportReferences | None = None,
) -> ImportedBatch:
    """Create `incidents` with their histories in one transaction (all of them or none).
    Pass one `references` for every batch of a run, so names are looked up once."""
    outcome = ImportedBatch()
    fresh = _split_existing(incidents, source, outcome)
    if not fresh:
        return outcome
    references = references or ImportReferences(source)
    references.ensure(fresh)
    builder = _RowBuilder(references, source)
    built = [builder.build(imported) for imported in fresh]
    insert_rows(Incident, [row for row, _ in built])
    ids = dict(
        Incident.objects.filter(number__in=[row["number"] for row, _ in built]).values_list(
            "number", "id"
        )
    )
    events: list[PendingEvent] = []
    for row, incident_events in built:
        subject_id = str(ids[row["number"]])
        subject_repr = f"{row['number']} {row['short_description']}"[:300]
        for event in incident_events:
            event.subject_id = subject_id
            event.subject_repr = subject_repr
        events.extend(incident_events)
    record_events(events)
    advance_past(INCIDENT_NUMBERS, [row["number"] for row, _ in built])
    outcome.created = [row["number"] for row, _ in built]
    outcome.events = len(events)
    return outcome


class _RowBuilder:
    """Builds an incident's row (column values by attname) and its journal events from an
    ImportedIncident, without model instances: at hundreds of thousands of steps, model
    attribute descriptors cost more than everything else the import does."""

    def __init__(self, references: ImportReferences, source: str) -> None:
        self.references = references
        self.source = source
        self.incident_type_id = ContentType.objects.get_for_model(Incident).pk
        blank = Incident()
        self.attnames = {
            model_field.name: model_field.attname for model_field in Incident._meta.concrete_fields
        }
        self.blank_row = {
            attname: getattr(blank, attname)
            for attname in self.attnames.values()
            if attname != "id"
        }
        # The journal's view of a new incident before any value is set (no caller yet).
        self.blank_journal = {
            name: None if name in RELATED_FIELDS else to_journal_value(getattr(blank, name))
            for name in TRACKED_FIELDS
        }

    def _value(self, name: str, value: Any) -> tuple[Any, Any]:
        """The column value and the journal value of one field."""
        if name in NAMED_FIELDS:
            ref = self.references.resolve(name, value)
            if ref is None:
                return None, None
            return ref[0], {"id": ref[0], "repr": ref[1]}
        return value, to_journal_value(value)

    def _event(
        self, event_type: str, at: dt.datetime, actor: str, changes: dict, data: dict
    ) -> PendingEvent:
        # Subject id and text are filled in once the incident row exists.
        return PendingEvent(
            at, event_type, None, actor[:200], self.incident_type_id, "", "", changes, data
        )

    def build(self, imported: ImportedIncident) -> tuple[dict[str, Any], list[PendingEvent]]:
        row = dict(self.blank_row)
        row.update(
            number=imported.number,
            opened_at=imported.opened_at,
            updated_at=imported.opened_at,
            imported_from=self.source,
            source_attributes=imported.source_attributes,
            short_description="",
        )
        journaled = dict(self.blank_journal)
        journaled["number"] = imported.number
        journaled["opened_at"] = to_journal_value(imported.opened_at)
        journaled["short_description"] = ""
        attnames = self.attnames
        for name, value in imported.values.items():
            row[attnames[name]], journaled[name] = self._value(name, value)
        events = [
            self._event(
                EventType.INCIDENT_CREATED,
                imported.opened_at,
                imported.opened_by_label or self.source,
                {name: {"old": None, "new": value} for name, value in journaled.items()},
                {"imported_from": self.source},
            )
        ]
        for step in imported.steps:
            changes: dict[str, dict[str, Any]] = {}
            for name, value in step.values.items():
                column_value, new_journal = self._value(name, value)
                if journaled[name] != new_journal:
                    changes[name] = {"old": journaled[name], "new": new_journal}
                    journaled[name] = new_journal
                    row[attnames[name]] = column_value
            if not changes and not step.data:
                continue
            if changes:
                row["version"] += 1
            row["updated_at"] = step.at
            events.append(
                self._event(
                    _step_event_type(set(changes)),
                    step.at,
                    step.actor or self.source,
                    changes,
                    step.data,
                )
            )
        return row, events
