"""Opportunities: the scan that records what the detectors find
(kaizen.improvement.opportunity_detection), starting an initiative from one, or dismissing it
with a reason."""

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.improvement.models import (
    Initiative,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Origin,
)
from kaizen.improvement.opportunity_detection import Finding, detect_opportunities
from kaizen.improvement.selectors import definition_of
from kaizen.improvement.services.base import check_text
from kaizen.improvement.services.initiative_kpis import do_add_initiative_kpi
from kaizen.improvement.services.initiatives import do_create_initiative
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.people.models import Process, User

OPPORTUNITY_PROCESSES = {
    OpportunityKind.SLA_HOTSPOT: Process.SERVICE_LEVEL,
    OpportunityKind.SATISFACTION_DROP: Process.SERVICE_LEVEL,
    OpportunityKind.RECURRING_INCIDENTS: Process.PROBLEM,
    OpportunityKind.CHANGES_CAUSING_INCIDENTS: Process.CHANGE,
}
# A dismissed opportunity comes back only when its strength exceeds this multiple of the
# strength it had when dismissed.
REOPEN_FACTOR = 1.25


@dataclass
class ScanResult:
    """What a scan did: the opportunities it created, updated (strength changed), reopened
    and left unchanged, each as {id, kind, title, strength}; and the kinds it could not look
    for, with the reason."""

    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    reopened: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("created", "updated", "reopened", "unchanged")
        }


# -- the scan -------------------------------------------------------------------------------


def do_scan_opportunities(*, today: dt.date | None = None) -> ScanResult:
    """Look for every kind of opportunity as of `today` (default: the local date) and record
    what is found, each finding in its own transaction. A kind that cannot be looked for is
    reported in `skipped` with the reason (see `detect_opportunities`); the other kinds still
    run."""
    today = today or timezone.localdate()
    detected = detect_opportunities(today)
    result = ScanResult(skipped=detected.skipped, notes=detected.notes)
    now = timezone.now()
    for finding in detected.findings:
        opportunity, outcome = do_record_opportunity(finding, now=now)
        getattr(result, outcome).append(
            {
                "id": opportunity.pk,
                "kind": opportunity.kind,
                "title": opportunity.title,
                "strength": opportunity.strength,
            }
        )
    return result


CREATED, UPDATED, REOPENED, UNCHANGED = "created", "updated", "reopened", "unchanged"


def do_record_opportunity(
    finding: Finding, *, now: dt.datetime | None = None
) -> tuple[Opportunity, str]:
    """Record one finding (the system is the actor): a new fingerprint is created (journal:
    detected); an open one gets the new evidence, strength and last_seen_at (journal: updated,
    only when the strength changed); a dismissed one only its last_seen_at, unless the
    strength now exceeds REOPEN_FACTOR x the strength it was dismissed at (then it is open
    again with the new evidence; journal: reopened, with both strengths); a started one only
    its last_seen_at. Returns the opportunity and what happened to it."""
    now = now or timezone.now()
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _record(finding, now)
        except IntegrityError:
            # A concurrent scan created the same fingerprint first: it is an update now.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _record(finding: Finding, now: dt.datetime) -> tuple[Opportunity, str]:
    opportunity = (
        Opportunity.objects.select_for_update().filter(fingerprint=finding.fingerprint).first()
    )
    if opportunity is None:
        opportunity = Opportunity.objects.create(
            kind=finding.kind,
            fingerprint=finding.fingerprint,
            title=finding.title[:300],
            summary=finding.summary,
            kpi_key=finding.kpi_key,
            dimension=finding.dimension,
            dimension_value=finding.dimension_value[:300],
            strength=finding.strength,
            evidence=finding.evidence,
            status=OpportunityStatus.OPEN,
            first_seen_at=now,
            last_seen_at=now,
        )
        record_event(
            EventType.OPPORTUNITY_DETECTED,
            opportunity,
            actor=None,
            data={
                "kind": finding.kind,
                "kpi": finding.kpi_key,
                "dimension": finding.dimension,
                "value": finding.dimension_value,
                "strength": finding.strength,
            },
        )
        return opportunity, CREATED
    old_strength = opportunity.strength
    if opportunity.status == OpportunityStatus.OPEN:
        _refresh(opportunity, finding, now)
        if _same(old_strength, finding.strength):
            return opportunity, UNCHANGED
        record_event(
            EventType.OPPORTUNITY_UPDATED,
            opportunity,
            actor=None,
            changes={"strength": {"old": old_strength, "new": finding.strength}},
        )
        return opportunity, UPDATED
    if opportunity.status == OpportunityStatus.DISMISSED:
        dismissed_at = opportunity.dismissed_strength
        reference = old_strength if dismissed_at is None else dismissed_at
        if finding.strength > reference * REOPEN_FACTOR:
            opportunity.status = OpportunityStatus.OPEN
            _refresh(opportunity, finding, now)
            record_event(
                EventType.OPPORTUNITY_REOPENED,
                opportunity,
                actor=None,
                changes={
                    "status": {"old": OpportunityStatus.DISMISSED, "new": OpportunityStatus.OPEN},
                    "strength": {"old": old_strength, "new": finding.strength},
                },
                data={
                    "dismissed_strength": reference,
                    "new_strength": finding.strength,
                    "factor": REOPEN_FACTOR,
                },
            )
            return opportunity, REOPENED
    # Dismissed (not grown enough) or started: kept as decided, only seen again.
    opportunity.last_seen_at = now
    opportunity.save(update_fields=["last_seen_at"])
    return opportunity, UNCHANGED


def _refresh(opportunity: Opportunity, finding: Finding, now: dt.datetime) -> None:
    opportunity.title = finding.title[:300]
    opportunity.summary = finding.summary
    opportunity.strength = finding.strength
    opportunity.evidence = finding.evidence
    opportunity.last_seen_at = now
    opportunity.save(
        update_fields=["title", "summary", "strength", "evidence", "last_seen_at", "status"]
    )


def _same(old: float, new: float) -> bool:
    return abs(old - new) <= 1e-9 * max(1.0, abs(old), abs(new))


# -- deciding on one ------------------------------------------------------------------------


def _opportunity_process(opportunity: Opportunity) -> str:
    definition = definition_of(opportunity.kpi_key) if opportunity.kpi_key else None
    if definition is not None and definition.process in Process.values:
        return definition.process
    return OPPORTUNITY_PROCESSES.get(opportunity.kind, Process.INCIDENT)


def _lock_opportunity(opportunity: Opportunity) -> Opportunity:
    opportunity.refresh_from_db(from_queryset=Opportunity.objects.select_for_update())
    return opportunity


@transaction.atomic
def do_start_initiative_from_opportunity(
    opportunity: Opportunity,
    *,
    actor: Any,
    owner: User | None = None,
    process: str | None = None,
) -> Initiative:
    """Turn an opportunity (open, or dismissed and reconsidered) into an initiative at step 1:
    its title and summary, its KPI as the first one, the service it is about."""
    _lock_opportunity(opportunity)
    if opportunity.status == OpportunityStatus.STARTED:
        where = f": {opportunity.initiative.reference}" if opportunity.initiative else ""
        raise ValidationError({"status": f"an initiative was started from it already{where}"})
    owner = owner or actor
    if owner is None:
        raise ValidationError({"owner": "choose who owns the initiative"})
    services: list[Service] = []
    if opportunity.dimension == "service" and opportunity.dimension_value:
        services = list(Service.objects.filter(name=opportunity.dimension_value))
    initiative = do_create_initiative(
        actor=actor,
        title=opportunity.title[:200],
        problem_statement=opportunity.summary or opportunity.title,
        process=process or _opportunity_process(opportunity),
        owner=owner,
        services=services,
        origin=Origin.OPPORTUNITY,
        origin_reference=f"opportunity {opportunity.pk}: {opportunity.get_kind_display()}",
        opportunity=opportunity,
    )
    if opportunity.kpi_key and definition_of(opportunity.kpi_key) is not None:
        do_add_initiative_kpi(initiative, actor=actor, kpi_key=opportunity.kpi_key)
    changes = apply_changes(
        opportunity,
        {"status": OpportunityStatus.STARTED, "initiative": initiative},
        ("status", "initiative"),
    )
    opportunity.save(update_fields=["status", "initiative"])
    record_event(
        EventType.OPPORTUNITY_UPDATED,
        opportunity,
        actor=actor,
        changes=changes,
        data={"initiative": initiative.pk, "started": True},
    )
    return initiative


@transaction.atomic
def do_dismiss_opportunity(opportunity: Opportunity, *, actor: Any, reason: str) -> Opportunity:
    """Not worth an initiative now, and why. The strength it had is kept: a re-scan reopens
    it only when the evidence grows past that."""
    _lock_opportunity(opportunity)
    if opportunity.status != OpportunityStatus.OPEN:
        raise ValidationError(
            {"status": f"only an open opportunity is dismissed; this one is {opportunity.status}"}
        )
    reason = check_text(reason, "reason", "say why it is not worth an initiative")
    changes = apply_changes(
        opportunity,
        {
            "status": OpportunityStatus.DISMISSED,
            "dismissed_at": timezone.now(),
            "dismissed_by": actor,
            "dismissed_strength": opportunity.strength,
            "dismissed_reason": reason,
        },
        ("status", "dismissed_at", "dismissed_by", "dismissed_strength", "dismissed_reason"),
    )
    opportunity.save()
    record_event(EventType.OPPORTUNITY_DISMISSED, opportunity, actor=actor, changes=changes)
    return opportunity
