"""After implementation: the post-implementation review, and the incidents the change caused
(proposed by Kaizen from the incidents opened on its services and CIs in the window after the
implementation, confirmed or dismissed by a person)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.ticket_sources import tickets_numbered, tickets_on
from kaizen.changes.models import CausedIncident, CausedIncidentStatus, Change, State
from kaizen.changes.services.base import CHANGES, moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User

REVIEW_FIELDS = ("objectives_met", "lessons_learned")


def caused_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS)


@transaction.atomic
def do_record_review(
    change: Change,
    *,
    objectives_met: bool,
    lessons_learned: str,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> Change:
    """The post-implementation review of a change in Review: were its objectives met, what was
    learned. May be recorded again (corrected) until the change is closed."""
    at = moment(at)
    locked = CHANGES.lock(change, expected_version)
    if locked.state != State.REVIEW:
        raise ValidationError(
            {
                "objectives_met": "a change is reviewed after its implementation, in Review "
                f"(this one is {locked.get_state_display().lower()})"
            }
        )
    if objectives_met is None:
        raise ValidationError({"objectives_met": "say whether the change met its objectives"})
    before = CHANGES.snapshot(locked)
    locked.objectives_met = objectives_met
    locked.lessons_learned = lessons_learned.strip()
    locked.reviewed_at = at
    CHANGES.finish(locked, change, before, EventType.CHANGE_REVIEWED, actor=actor, at=at)
    return locked


def _record_link(
    change: Change,
    number: str,
    opened_at: dt.datetime | None,
    *,
    status: str,
    actor: User | None,
    at: dt.datetime,
    reason: str = "",
) -> CausedIncident:
    link = CausedIncident.objects.create(
        change=change,
        incident_number=number,
        incident_opened_at=opened_at,
        status=status,
        reason=reason,
        decided_by=actor if status != CausedIncidentStatus.PROPOSED else None,
        decided_at=at if status != CausedIncidentStatus.PROPOSED else None,
        created_at=at,
    )
    event = (
        EventType.CAUSED_INCIDENT_PROPOSED
        if status == CausedIncidentStatus.PROPOSED
        else EventType.CAUSED_INCIDENT_DECIDED
    )
    record_event(
        event,
        change,
        actor=actor,
        data={"incident": number, "status": status, "reason": reason},
        occurred_at=at,
    )
    return link


@transaction.atomic
def do_propose_caused_incidents(
    change: Change, *, at: dt.datetime | None = None
) -> list[CausedIncident]:
    """Propose the incidents opened on the change's services or CIs from its actual start to
    KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS after its actual end (or until now, if sooner), that
    are not linked to it yet. Safe to run again: an incident is proposed once."""
    at = moment(at)
    if change.actual_start is None:
        return []
    until = min((change.actual_end or at) + caused_window(), at)
    candidates = tickets_on(
        "incident",
        service_ids=change.services.values_list("pk", flat=True),
        ci_ids=change.configuration_items.values_list("pk", flat=True),
        opened_from=change.actual_start,
        opened_until=until,
    )
    known = set(change.caused_incidents.values_list("incident_number", flat=True))
    return [
        _record_link(
            change,
            row.number,
            row.opened_at,
            status=CausedIncidentStatus.PROPOSED,
            actor=None,
            at=at,
            reason="opened on an affected service or CI within the window after implementation",
        )
        for row in candidates
        if row.number not in known
    ]


@transaction.atomic
def do_link_caused_incident(
    change: Change,
    incident_number: str,
    *,
    actor: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CausedIncident:
    """Record, confirmed, that the change caused the incident (a person who knows it, or an
    import that says so). A proposal of the same incident is confirmed instead."""
    at = moment(at)
    number = incident_number.strip()
    if not number:
        raise ValidationError({"incident": "give the incident's number"})
    found = tickets_numbered("incident", [number])
    if number not in found:
        raise ValidationError({"incident": f"there is no incident {number}"})
    existing = change.caused_incidents.filter(incident_number=number).first()
    if existing is not None:
        if existing.status == CausedIncidentStatus.CONFIRMED:
            raise ValidationError(
                {"incident": f"{number} is recorded as caused by {change.number} already"}
            )
        return do_decide_caused_incident(
            existing, confirmed=True, actor=actor, reason=reason, at=at
        )
    return _record_link(
        change,
        number,
        found[number].opened_at,
        status=CausedIncidentStatus.CONFIRMED,
        actor=actor,
        at=at,
        reason=reason.strip(),
    )


@transaction.atomic
def do_decide_caused_incident(
    link: CausedIncident,
    *,
    confirmed: bool,
    actor: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CausedIncident:
    """Confirm or dismiss a proposed (or earlier decided) link; a dismissal says why."""
    at = moment(at)
    link = CausedIncident.objects.select_for_update().select_related("change").get(pk=link.pk)
    status = CausedIncidentStatus.CONFIRMED if confirmed else CausedIncidentStatus.DISMISSED
    if link.status == status:
        raise ValidationError(
            {"status": f"{link.incident_number} is {status.label.lower()} already"}
        )
    if not confirmed and not reason.strip():
        raise ValidationError({"reason": "say why the change did not cause this incident"})
    link.status = status
    link.reason = reason.strip() or link.reason
    link.decided_by = actor
    link.decided_at = at
    link.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    record_event(
        EventType.CAUSED_INCIDENT_DECIDED,
        link.change,
        actor=actor,
        data={"incident": link.incident_number, "status": status, "reason": link.reason},
        occurred_at=at,
    )
    return link
