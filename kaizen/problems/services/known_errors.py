"""The known-error database: recording a known error from its problem, editing it, publishing
it to agents (and optionally to the portal), retiring it, and applying it to an incident.

A known error belongs to a problem: applying it links the incident to that problem (so the
problem counts the incident) and, unless the agent declines, copies the workaround onto the
incident as a work note through the incident's registered ticket action. Each write is
journaled in its transaction; applying is journaled on the known error and on the incident.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.catalog.ticket_sources import ticket_records, ticket_source
from kaizen.core.errors import Conflict
from kaizen.core.numbering import NumberFormat
from kaizen.core.numbering import next_number as next_number_of
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import User
from kaizen.problems.models import (
    KnownError,
    KnownErrorStatus,
    LinkedIncident,
    Problem,
    State,
)
from kaizen.problems.services.base import KNOWN_ERRORS, moment
from kaizen.problems.services.links import INCIDENT, do_link_incidents

KNOWN_ERROR_NUMBERS = NumberFormat(sequence="known_error", prefix="KE")
EDITABLE_FIELDS = ("title", "symptom", "root_cause", "workaround", "category")
PORTAL_FIELDS = ("portal_title", "portal_body")
# What a known error copies from its problem when the person gives nothing else.
FROM_PROBLEM = {
    "title": "statement",
    "symptom": "description",
    "root_cause": "root_cause",
    "workaround": "workaround",
    "category": "category",
}


class KnownErrorRefused(ValidationError, Conflict):
    """The known error's status refuses the step (a draft applied, a retired one published): a
    ValidationError on `field` for the forms, a Conflict (409) for the API."""

    def __init__(self, message: str, *, field: str = "status") -> None:
        super().__init__({field: message})
        self.message_text = message

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": self.message_text}


def next_number() -> str:
    return next_number_of(
        KNOWN_ERROR_NUMBERS,
        taken=lambda number: KnownError.objects.filter(number=number).exists(),
    )


def check_known_error(known_error: KnownError) -> None:
    errors: dict[str, str] = {}
    if not known_error.title.strip():
        errors["title"] = "name the error as agents will search for it"
    if not known_error.symptom.strip():
        errors["symptom"] = "describe what the person sees when it happens"
    if known_error.published_to_portal:
        if not known_error.portal_title.strip():
            errors["portal_title"] = "give the article a title requesters understand"
        if not (known_error.portal_body.strip() or known_error.workaround.strip()):
            errors["portal_body"] = "say what requesters can do (or record a workaround)"
    if errors:
        raise ValidationError(errors)


def _set_scope(
    known_error: KnownError,
    services: Iterable[Service] | None,
    configuration_items: Iterable[ConfigurationItem] | None,
) -> None:
    if services is not None and set(services) != set(known_error.services.all()):
        known_error.services.set(list(services))
    if configuration_items is not None and set(configuration_items) != set(
        known_error.configuration_items.all()
    ):
        known_error.configuration_items.set(list(configuration_items))


@transaction.atomic
def do_record_known_error(
    problem: Problem | None,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    services: Iterable[Service] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    **fields: Any,
) -> KnownError:
    """Record a draft known error of `problem`. Fields not given (EDITABLE_FIELDS), and the
    services and CIs, are copied from the problem's statement, description, root cause,
    workaround and category."""
    at = moment(at)
    if problem is None:
        raise ValidationError({"problem": "a known error is recorded from its problem"})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable when recording: {', '.join(sorted(unknown))}")
    if problem.state == State.CLOSED:
        raise ValidationError({"problem": f"{problem.number} is closed: re-open it first"})
    values = {
        name: fields.get(name) or getattr(problem, source) for name, source in FROM_PROBLEM.items()
    }
    known_error = KnownError(
        problem=problem, created_by=actor, created_at=at, updated_at=at, **values
    )
    check_known_error(known_error)
    known_error.number = next_number()
    known_error.save()
    known_error.services.set(list(problem.services.all() if services is None else services))
    known_error.configuration_items.set(
        list(
            problem.configuration_items.all()
            if configuration_items is None
            else configuration_items
        )
    )
    KNOWN_ERRORS.record_created(EventType.KNOWN_ERROR_CREATED, known_error, actor=actor, at=at)
    return known_error


@transaction.atomic
def do_update_known_error(
    known_error: KnownError,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    services: Iterable[Service] | None = None,
    configuration_items: Iterable[ConfigurationItem] | None = None,
    **fields: Any,
) -> KnownError:
    """Edit what the known error says (EDITABLE_FIELDS and, while it is in the portal, the
    portal's title and body), its services and CIs. A retired one is not edited."""
    at = moment(at)
    locked = KNOWN_ERRORS.lock(known_error, expected_version)
    if locked.status == KnownErrorStatus.RETIRED:
        raise KnownErrorRefused(f"{locked.number} is retired: it is kept as it was")
    before = KNOWN_ERRORS.snapshot(locked)
    apply_changes(locked, fields, (*EDITABLE_FIELDS, *PORTAL_FIELDS))
    _set_scope(locked, services, configuration_items)
    check_known_error(locked)
    KNOWN_ERRORS.finish(
        locked, known_error, before, EventType.KNOWN_ERROR_UPDATED, actor=actor, at=at
    )
    return locked


@transaction.atomic
def do_publish_known_error(
    known_error: KnownError,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    to_portal: bool = False,
    portal_title: str = "",
    portal_body: str = "",
) -> KnownError:
    """Publish to agents (suggested on incidents, appliable); with `to_portal`, also to
    requesters as a self-help article with its own title and body. Publishing again changes
    the portal part (on, off, its words). A retired known error is not published again."""
    at = moment(at)
    locked = KNOWN_ERRORS.lock(known_error, expected_version)
    if locked.status == KnownErrorStatus.RETIRED:
        raise KnownErrorRefused(f"{locked.number} is retired: record a new known error instead")
    if not locked.workaround.strip() and not to_portal:
        # Agents apply a known error for its workaround; one without is of no use to them yet.
        raise ValidationError({"workaround": "record the workaround agents will apply"})
    before = KNOWN_ERRORS.snapshot(locked)
    locked.status = KnownErrorStatus.PUBLISHED
    locked.published_at = locked.published_at or at
    locked.published_to_portal = to_portal
    if to_portal:
        locked.portal_title = portal_title.strip() or locked.portal_title or locked.title
        locked.portal_body = portal_body.strip() or locked.portal_body
    check_known_error(locked)
    KNOWN_ERRORS.finish(
        locked, known_error, before, EventType.KNOWN_ERROR_PUBLISHED, actor=actor, at=at
    )
    return locked


@transaction.atomic
def do_retire_known_error(
    known_error: KnownError,
    *,
    actor: User | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> KnownError:
    """No longer suggested, applied or shown in the portal (the fix made it obsolete); its
    page and its use stay."""
    at = moment(at)
    locked = KNOWN_ERRORS.lock(known_error, expected_version)
    if locked.status == KnownErrorStatus.RETIRED:
        raise KnownErrorRefused(f"{locked.number} is retired already")
    before = KNOWN_ERRORS.snapshot(locked)
    locked.status = KnownErrorStatus.RETIRED
    locked.retired_at = at
    locked.published_to_portal = False
    KNOWN_ERRORS.finish(
        locked, known_error, before, EventType.KNOWN_ERROR_RETIRED, actor=actor, at=at
    )
    return locked


def workaround_note(known_error: KnownError) -> str:
    return f"Workaround from known error {known_error.number} ({known_error.title}):\n\n" + (
        known_error.workaround.strip()
    )


@transaction.atomic
def do_apply_known_error(
    known_error: KnownError,
    incident_number: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    copy_workaround: bool = True,
) -> LinkedIncident:
    """Apply a published known error to an incident: link the incident to the known error's
    problem (or mark the existing link), and with `copy_workaround` add the workaround to the
    incident as a work note. Journaled on the known error and on the incident."""
    at = moment(at)
    locked = KNOWN_ERRORS.lock(known_error, expected_version=None)
    if locked.status != KnownErrorStatus.PUBLISHED:
        raise KnownErrorRefused(
            f"{locked.number} is {locked.get_status_display().lower()}: only a published "
            "known error is applied"
        )
    incident_number = incident_number.strip()
    incident = ticket_records(INCIDENT, [incident_number]).get(incident_number)
    if incident is None:
        raise ValidationError({"incident": f"there is no incident {incident_number or '(none)'}"})
    copy_workaround = copy_workaround and bool(locked.workaround.strip())
    problem = locked.problem
    if problem is None:
        raise ValidationError({"incident": f"{locked.number} belongs to no problem"})
    link = LinkedIncident.objects.filter(problem=problem, incident_number=incident_number).first()
    if link is None:
        (link,) = do_link_incidents(
            problem,
            [incident_number],
            actor=actor,
            at=at,
            known_error=locked,
            workaround_applied=copy_workaround,
        )
    else:
        link.known_error = locked
        if copy_workaround and not link.workaround_applied:
            link.workaround_applied, link.workaround_applied_at = True, at
        link.save(update_fields=["known_error", "workaround_applied", "workaround_applied_at"])
    if copy_workaround:
        add_note = ticket_source(INCIDENT).add_note
        add_note(incident, workaround_note(locked), actor=actor, at=at, is_work_note=True)
    record_event(
        EventType.KNOWN_ERROR_APPLIED,
        locked,
        actor=actor,
        data={"incident": incident_number, "workaround_copied": copy_workaround},
        occurred_at=at,
    )
    record_event(
        EventType.INCIDENT_KNOWN_ERROR_APPLIED,
        incident,
        actor=actor,
        data={
            "known_error": locked.number,
            "title": locked.title,
            "problem": problem.number,
            "workaround_copied": copy_workaround,
        },
        occurred_at=at,
    )
    return link
