"""Step 4, process the data: the cleaning rules of a KPI, each with its reason (what each
kind does is in kaizen.improvement.cleaning)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.improvement.cleaning import check_rule, rule_settings
from kaizen.improvement.models import CleaningRule, Initiative, InitiativeKPI
from kaizen.improvement.selectors import definition_of
from kaizen.improvement.services.base import LAST_PROCESSING_STEP, check_open, check_text, kpi_data
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event


def _check_processing_step(initiative: Initiative, field: str) -> None:
    check_open(initiative)
    if initiative.current_step > LAST_PROCESSING_STEP:
        raise ValidationError(
            {
                field: "the analysis went to the decision: return to step 4 or 5 to change the "
                "cleaning rules"
            }
        )


@transaction.atomic
def do_add_cleaning_rule(
    ikpi: InitiativeKPI,
    *,
    actor: Any,
    kind: str,
    column: str,
    reason: str,
    operator: str = "",
    value: Any = None,
    factor: float | None = None,
) -> CleaningRule:
    """Record a rule that leaves rows out of the KPI's figures, and why (see
    kaizen.improvement.cleaning for what each kind does)."""
    initiative = ikpi.initiative
    _check_processing_step(initiative, "kind")
    reason = check_text(reason, "reason", "say why the rule is right for this KPI")
    cleaned, errors = check_rule(
        definition_of(ikpi.kpi_key),
        kind=kind,
        column=column,
        operator=operator,
        value=value,
        factor=factor,
    )
    if errors:
        raise ValidationError(errors)
    rule = CleaningRule(initiative_kpi=ikpi, reason=reason, created_by=actor, **cleaned)
    rule.full_clean()
    rule.save()
    record_event(
        EventType.CLEANING_RULE_ADDED,
        initiative,
        actor=actor,
        data=kpi_data(ikpi, rule=rule.pk, reason=reason, **cleaned),
    )
    return rule


@transaction.atomic
def do_remove_cleaning_rule(rule: CleaningRule, *, actor: Any) -> None:
    ikpi = rule.initiative_kpi
    initiative = ikpi.initiative
    _check_processing_step(initiative, "rule")
    data = kpi_data(ikpi, rule=rule.pk, **rule_settings(rule))
    rule.delete()
    record_event(EventType.CLEANING_RULE_REMOVED, initiative, actor=actor, data=data)
