"""Opportunities the scan found (kaizen.improvement.opportunities): starting an initiative
from one, or dismissing it with a reason."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.improvement.models import (
    Initiative,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Origin,
)
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
}


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
