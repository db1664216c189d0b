"""Step 1, what we should measure: the KPIs an initiative measures, with their goal and
thresholds; their collection (step 3) and processing (steps 4-5) settings change here
too."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from kaizen.analytics.families import breakdown_columns
from kaizen.improvement.models import (
    AnalysisPeriod,
    CollectionSchedule,
    Goal,
    Initiative,
    InitiativeKPI,
    Step,
)
from kaizen.improvement.selectors import definition_of
from kaizen.improvement.services.base import (
    LAST_PROCESSING_STEP,
    check_number,
    check_open,
    copy_into,
    kpi_data,
    lock,
    lock_output,
)
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.kpis.spec import Direction, KPIDefinition

# What a KPI of an initiative carries, by the step that sets it.
KPI_CHOICE_FIELDS = ("goal", "target", "warning", "position")
KPI_COLLECTION_FIELDS = ("source_description", "schedule")
KPI_PROCESSING_FIELDS = (
    "period_kind",
    "breakdown",
    "processing_confirmed",
    "analysis_starts_on",
    "analysis_ends_on",
    "change_on",
)
KPI_FIELDS = KPI_CHOICE_FIELDS + KPI_COLLECTION_FIELDS + KPI_PROCESSING_FIELDS
LAST_KPI_STEP = Step.CAN_MEASURE  # KPIs are chosen (and dropped) in steps 1-2


def _check_kpi_set_step(initiative: Initiative, field: str = "kpi_key") -> None:
    check_open(initiative)
    if initiative.current_step > LAST_KPI_STEP:
        raise ValidationError(
            {
                field: "KPIs are chosen in steps 1 and 2: return the initiative to step 1 to "
                "change them"
            }
        )


def _check_thresholds(
    definition: KPIDefinition, target: float | None, warning: float | None
) -> None:
    if warning is not None and target is None:
        raise ValidationError({"target": "give a target when there is a warning threshold"})
    if warning is None or target is None:
        return
    higher = definition.direction == Direction.HIGHER_IS_BETTER
    if (higher and warning > target) or (not higher and warning < target):
        side = "below" if higher else "above"
        raise ValidationError({"warning": f"{side} the target (on its bad side)"})


def _check_goal_served(initiative: Initiative, goal: Goal | None) -> None:
    if goal is not None and not initiative.goals.filter(pk=goal.pk).exists():
        raise ValidationError(
            {"goal": f'the initiative does not serve "{goal}": add it to its goals first'}
        )


@transaction.atomic
def do_add_initiative_kpi(
    initiative: Initiative,
    *,
    actor: Any,
    kpi_key: str,
    goal: Goal | None = None,
    target: float | None = None,
    warning: float | None = None,
) -> InitiativeKPI:
    """Choose a KPI to measure (steps 1-2). Its target and warning default to the KPI's own
    thresholds; its goal is one the initiative serves."""
    _check_kpi_set_step(initiative)
    kpi_key = str(kpi_key or "").strip()
    definition = definition_of(kpi_key)
    if definition is None:
        raise ValidationError({"kpi_key": f"no KPI {kpi_key!r} in the KPI library"})
    if initiative.kpis.filter(kpi_key=kpi_key).exists():
        raise ValidationError({"kpi_key": f"{kpi_key} is already measured by this initiative"})
    _check_goal_served(initiative, goal)
    target = check_number(target, "target")
    warning = check_number(warning, "warning")
    if target is None:
        target = definition.thresholds.target
        if warning is None:
            warning = definition.thresholds.warning
    _check_thresholds(definition, target, warning)
    position = (initiative.kpis.aggregate(last=Max("position"))["last"] or 0) + 1
    ikpi = InitiativeKPI.objects.create(
        initiative=initiative,
        kpi_key=kpi_key,
        goal=goal,
        target=target,
        warning=warning,
        position=position,
    )
    record_event(
        EventType.INITIATIVE_KPI_ADDED,
        initiative,
        actor=actor,
        data=kpi_data(
            ikpi,
            goal=goal.pk if goal else None,
            target=target,
            warning=warning,
            measurable=definition.measurable,
        ),
    )
    return ikpi


@transaction.atomic
def do_update_initiative_kpi(
    ikpi: InitiativeKPI, *, actor: Any, expected_version: int | None = None, **fields: Any
) -> InitiativeKPI:
    """Change a KPI's goal and thresholds, its collection (step 3) or its processing
    (step 4-5: period, breakdown, analysis range, change date, confirmation). Processing is
    fixed once the initiative is past step 5; collection may change while it is open.
    The KPI is locked and read again: OutputChanged when it is no longer at
    `expected_version` (None: no check; the fields still apply to the stored KPI, never to
    the caller's copy). Only the changed fields are written."""
    initiative = lock(ikpi.initiative)
    check_open(initiative)
    caller = ikpi
    ikpi = lock_output(
        ikpi,
        initiative,
        expected_version,
        related=("goal",),
        name=f"{initiative.reference}'s KPI {ikpi.kpi_key}",
        noun="KPI",
        key="initiative_kpi",
        event_types=(EventType.INITIATIVE_KPI_ADDED, EventType.INITIATIVE_KPI_UPDATED),
    )
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "not a field of an initiative KPI"})
    fixed = set(fields) - set(KPI_COLLECTION_FIELDS)
    if fixed and initiative.current_step > LAST_PROCESSING_STEP:
        raise ValidationError(
            {
                sorted(fixed)[0]: f"fixed since the analysis went to the decision (step "
                f"{initiative.current_step}): return to step 5 or earlier to change it"
            }
        )
    definition = definition_of(ikpi.kpi_key)
    for name in ("target", "warning"):
        if name in fields:
            fields[name] = check_number(fields[name], name)
    for name in ("source_description",):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    changes = apply_changes(ikpi, fields, KPI_FIELDS)
    if not changes:
        copy_into(caller, ikpi)
        return caller
    errors: dict[str, str] = {}
    if ikpi.schedule and ikpi.schedule not in CollectionSchedule.values:
        errors["schedule"] = f"one of {', '.join(CollectionSchedule.values)}"
    if ikpi.period_kind not in AnalysisPeriod.values:
        errors["period_kind"] = f"one of {', '.join(AnalysisPeriod.values)}"
    if ikpi.breakdown not in breakdown_columns():
        errors["breakdown"] = f"one of {', '.join(breakdown_columns())}"
    starts, ends = ikpi.analysis_starts_on, ikpi.analysis_ends_on
    if starts and ends and ends <= starts:
        errors["analysis_ends_on"] = "after the day the analysis starts"
    if ikpi.change_on and starts and ikpi.change_on <= starts:
        errors["change_on"] = "after the start of the analysed range (there must be a before)"
    elif ikpi.change_on and ends and ikpi.change_on > ends:
        errors["change_on"] = "within the analysed range (there must be an after)"
    if errors:
        raise ValidationError(errors)
    if "goal" in changes:
        _check_goal_served(initiative, ikpi.goal)
    if definition is not None and ({"target", "warning"} & set(changes)):
        _check_thresholds(definition, ikpi.target, ikpi.warning)
    ikpi.full_clean()
    ikpi.version += 1
    ikpi.save(update_fields=[*changes, "version"])
    record_event(
        EventType.INITIATIVE_KPI_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data=kpi_data(ikpi),
    )
    copy_into(caller, ikpi)
    return caller


@transaction.atomic
def do_remove_initiative_kpi(ikpi: InitiativeKPI, *, actor: Any) -> None:
    """Drop a KPI (steps 1-2), with its rules, analyses and baselines; its gaps stay on
    record, no longer present (they come back, action and all, if the KPI is chosen again)."""
    initiative = ikpi.initiative
    _check_kpi_set_step(initiative, field="initiative_kpi")
    data = kpi_data(ikpi)
    initiative.gaps.filter(kpi_key=ikpi.kpi_key).update(still_present=False)
    ikpi.delete()
    record_event(EventType.INITIATIVE_KPI_REMOVED, initiative, actor=actor, data=data)
