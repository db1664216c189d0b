"""The end of a cycle: the evaluation after the window (re-measured, before/after, the
target met or not, a new baseline adopted) and the next cycle of a closed initiative."""

import datetime as dt
import re
import statistics
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.analysis import stats
from kaizen.core.times import local_text
from kaizen.improvement import analysis as analysing
from kaizen.improvement.cleaning import rule_settings
from kaizen.improvement.models import (
    Analysis,
    Baseline,
    BaselineSource,
    CleaningRule,
    Evaluation,
    Initiative,
    InitiativeKPI,
    Origin,
    Status,
    Step,
)
from kaizen.improvement.permissions import can_manage_register
from kaizen.improvement.selectors import (
    current_baseline,
    default_range,
    evaluation_window_over,
    initiative_definition,
    period_end,
)
from kaizen.improvement.services.analyses import analyse, baseline_data, next_baseline_version
from kaizen.improvement.services.base import check_open, iso, local_today, lock
from kaizen.improvement.services.initiatives import INITIATIVE_FIELDS, set_relations
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event
from kaizen.kpis.models import period_floor

CLOSED_STATUSES = (Status.COMPLETED, Status.NOT_MET)
CYCLE_SUFFIX = re.compile(r"\s*\(cycle \d+\)$")


def _mean(values: Iterable[float | None]) -> float | None:
    measured = [value for value in values if value is not None]
    return statistics.fmean(measured) if measured else None


def _evaluate_kpi(
    ikpi: InitiativeKPI,
    *,
    actor: Any,
    window_start: dt.date,
    window_end: dt.date,
    today: dt.date,
) -> tuple[dict[str, Any], Analysis | None, list[float | None]]:
    """One KPI re-measured over [baseline start, window end]: the window's value (mean of its
    complete periods), the before/after test around the window start, and whether it met
    its target (on the good side, and not significantly worse than before)."""
    baseline = current_baseline(ikpi)
    kind = ikpi.period_kind
    entry: dict[str, Any] = {
        "kpi_key": ikpi.kpi_key,
        "initiative_kpi": ikpi.pk,
        "analysis_id": None,
        "baseline": None,
        "value": None,
        "periods": 0,
        "target": ikpi.target,
        "met": False,
        "before_after": None,
        "explanation": "",
    }
    if baseline is not None:
        entry["baseline"] = {
            "version": baseline.version,
            "source": baseline.source,
            "value": baseline.value,
            "ci_low": baseline.ci_low,
            "ci_high": baseline.ci_high,
            "starts_on": iso(baseline.starts_on),
            "ends_on": iso(baseline.ends_on),
        }
    definition = initiative_definition(ikpi)
    if definition is None:
        entry["explanation"] = f"The KPI {ikpi.kpi_key} no longer exists: nothing to measure."
        return entry, None, []
    if definition.measure is None:
        reason = definition.not_measurable_reason or "it has no measure"
        entry["explanation"] = f"{definition.name} cannot be measured any more: {reason}"
        return entry, None, []
    start = period_floor(
        baseline.starts_on if baseline else default_range(ikpi, window_start)[0], kind
    )
    # Complete periods only: the window's last period must have ended by the window's end.
    end = period_floor(window_end + dt.timedelta(days=1), kind)
    if end <= start:
        end = period_end(start, kind)
    try:
        analysis = analyse(
            ikpi,
            definition,
            actor=actor,
            start=start,
            end=end,
            change_on=window_start,
            today=today,
            purpose="evaluation",
        )
    except ValidationError as error:
        entry["explanation"] = "; ".join(error.messages)
        return entry, None, []
    result = analysis.result
    values = analysing.window_values(result, window_start)
    value = _mean(values)
    before_after = result["before_after"]
    on_target = analysing.good_side(definition, value, ikpi.target)
    worsened = before_after is not None and before_after["outcome"] == "worsened"
    met = on_target and not worsened
    unit = str(definition.unit)
    measured = [v for v in values if v is not None]
    if value is None:
        explanation = (
            f"{definition.name}: no complete {kind} with data inside the window "
            f"({iso(window_start)} to {iso(window_end)}), so the target cannot be judged met."
        )
    else:
        judged = "met" if met else "not met"
        target = analysing.figure(ikpi.target, unit) if ikpi.target is not None else "none set"
        explanation = (
            f"{definition.name}: {analysing.figure(value, unit)} on average over the "
            f"{len(measured)} {kind}(s) of the window, target {target}: {judged}"
        )
        if baseline is not None:
            explanation += (
                f" (baseline v{baseline.version}: {analysing.figure(baseline.value, unit)})"
            )
        if before_after is not None:
            explanation += f"; before/after: {before_after['outcome']}"
        if on_target and worsened:
            explanation += " (on target, but significantly worse than before)"
        explanation += "."
    entry.update(
        analysis_id=analysis.pk,
        value=value,
        periods=len(measured),
        met=met,
        before_after=before_after,
        explanation=explanation,
        window_periods=[
            row["period"] for row in result["series"] if row["period"] >= window_start.isoformat()
        ],
    )
    return entry, analysis, values


@transaction.atomic
def do_evaluate_initiative(
    initiative: Initiative, *, actor: Any, today: dt.date | None = None, force: bool = False
) -> Evaluation:
    """The re-measurement at the end of the evaluation window. Every KPI met (on the good
    side of its target over the window, and not significantly worse than before): each KPI's
    window level is adopted as its new baseline version and the initiative completes;
    otherwise it closes as not met. Before the window has ended only with `force` (the CSI
    manager's call; journaled), over the part of the window that has passed."""
    lock(initiative)
    check_open(initiative)
    today = local_today(today)
    starts_on, ends_on = initiative.evaluation_starts_on, initiative.evaluation_ends_on
    if initiative.current_step != Step.IMPLEMENT or starts_on is None or ends_on is None:
        raise ValidationError(
            {"status": "the evaluation window opens when every action is done or cancelled"}
        )
    forced = not evaluation_window_over(initiative, today)
    if forced and not force:
        raise ValidationError(
            {
                "evaluation_ends_on": f"the evaluation window runs until {local_text(ends_on)}: "
                "evaluate after it has ended"
            }
        )
    if force and actor is not None and not can_manage_register(actor):
        raise ValidationError(
            {"force": "only the continual improvement manager evaluates before the window ends"}
        )
    window_end = min(ends_on, today - dt.timedelta(days=1)) if forced else ends_on
    kpis = list(initiative.kpis.order_by("position", "pk"))
    if not kpis:
        raise ValidationError({"kpis": "the initiative measures no KPI"})
    evaluated = [
        (
            ikpi,
            *_evaluate_kpi(
                ikpi, actor=actor, window_start=starts_on, window_end=window_end, today=today
            ),
        )
        for ikpi in kpis
    ]
    target_met = all(entry["met"] for _, entry, _, _ in evaluated)
    now = timezone.now()
    adopted: list[Baseline] = []
    if target_met:
        for ikpi, entry, analysis, values in evaluated:
            adopted.append(_adopt_baseline(ikpi, entry, analysis, values, actor=actor, now=now))
    evaluation = Evaluation.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        evaluated_at=now,
        evaluated_by=actor,
        window_start=starts_on,
        window_end=window_end,
        target_met=target_met,
        baseline_adopted=bool(adopted),
        results=[entry for _, entry, _, _ in evaluated],
    )
    changes = apply_changes(
        initiative,
        {"status": Status.COMPLETED if target_met else Status.NOT_MET, "closed_at": now},
        ("status", "closed_at"),
    )
    initiative.version += 1
    initiative.save()
    record_event(
        EventType.EVALUATION_RECORDED,
        initiative,
        actor=actor,
        changes=changes,
        data={
            "evaluation": evaluation.pk,
            "cycle": evaluation.cycle,
            "target_met": target_met,
            "window": [iso(starts_on), iso(window_end)],
            "forced": forced,
            "window_ends_on": iso(ends_on),
            "kpis": {entry["kpi_key"]: entry["met"] for _, entry, _, _ in evaluated},
            "analyses": [entry["analysis_id"] for _, entry, _, _ in evaluated],
            "baselines": [baseline.pk for baseline in adopted],
        },
    )
    for baseline in adopted:
        record_event(
            EventType.BASELINE_RECORDED, initiative, actor=actor, data=baseline_data(baseline)
        )
    return evaluation


def _adopt_baseline(
    ikpi: InitiativeKPI,
    entry: dict[str, Any],
    analysis: Analysis | None,
    values: list[float | None],
    *,
    actor: Any,
    now: dt.datetime,
) -> Baseline:
    """The window's level as the KPI's new reference: a new version, the old ones kept."""
    kind = ikpi.period_kind
    periods = [dt.date.fromisoformat(p) for p in entry.get("window_periods", [])]
    measured = [p for p, v in zip(periods, values, strict=False) if v is not None]
    level = stats.baseline(values)
    return Baseline.objects.create(
        initiative_kpi=ikpi,
        version=next_baseline_version(ikpi),
        source=BaselineSource.ADOPTED,
        period_kind=kind,
        starts_on=measured[0],
        ends_on=period_end(measured[-1], kind) - dt.timedelta(days=1),
        value=level["mean"],
        ci_low=level["ci_low"],
        ci_high=level["ci_high"],
        n=level["n"],
        analysis=analysis,
        recorded_at=now,
        recorded_by=actor,
    )


@transaction.atomic
def do_open_next_cycle(initiative: Initiative, *, actor: Any) -> Initiative:
    """The next improvement cycle of a closed initiative (completed or not met): a new
    initiative at step 1 with the same owner, process, services, goals and gate mode, every
    KPI with its target, goal, collection, processing and cleaning rules, and each KPI's
    latest baseline carried as its version 1."""
    lock(initiative)
    if initiative.status not in CLOSED_STATUSES:
        raise ValidationError(
            {
                "status": "a next cycle follows a completed initiative or one whose target was "
                "not met"
            }
        )
    following = initiative.next_cycles.first()
    if following is not None:
        raise ValidationError({"status": f"its next cycle is {following.reference} already"})
    cycle = initiative.cycle + 1
    base_title = CYCLE_SUFFIX.sub("", initiative.title)
    suffix = f" (cycle {cycle})"
    nxt = Initiative(status=Status.ACTIVE, current_step=Step.SHOULD_MEASURE, cycle=cycle)
    changes = apply_changes(
        nxt,
        {
            "title": base_title[: 200 - len(suffix)] + suffix,
            "problem_statement": initiative.problem_statement,
            "justification": initiative.justification,
            "expected_benefit": initiative.expected_benefit,
            "process": initiative.process,
            "owner": initiative.owner,
            "priority": initiative.priority,
            "starts_on": timezone.localdate(),
            "due_on": None,
            "origin": Origin.PREVIOUS_CYCLE,
            "origin_reference": initiative.reference,
            "opportunity": initiative.opportunity,
            "gate_mode": initiative.gate_mode,
            "evaluation_window_days": initiative.evaluation_window_days,
        },
        INITIATIVE_FIELDS,
    )
    nxt.previous = initiative
    nxt.full_clean()
    nxt.save()
    changes["previous"] = {"old": None, "new": {"id": initiative.pk, "repr": str(initiative)}}
    changes["cycle"] = {"old": None, "new": cycle}
    changes.update(
        set_relations(
            nxt,
            services=list(initiative.services.all()),
            goals=list(initiative.goals.all()),
            creating=True,
        )
    )
    carried_kpis, carried_baselines, carried_rules = [], [], []
    for ikpi in initiative.kpis.order_by("position", "pk").prefetch_related("cleaning_rules"):
        copy = InitiativeKPI.objects.create(
            initiative=nxt,
            kpi_key=ikpi.kpi_key,
            goal=ikpi.goal,
            target=ikpi.target,
            warning=ikpi.warning,
            source_description=ikpi.source_description,
            schedule=ikpi.schedule,
            period_kind=ikpi.period_kind,
            breakdown=ikpi.breakdown,
            position=ikpi.position,
        )
        carried_kpis.append(copy.pk)
        for rule in ikpi.cleaning_rules.all():
            carried_rules.append(
                CleaningRule.objects.create(
                    initiative_kpi=copy, created_by=actor, **rule_settings(rule)
                ).pk
            )
        latest = current_baseline(ikpi)
        if latest is not None:
            carried_baselines.append(
                Baseline.objects.create(
                    initiative_kpi=copy,
                    version=1,
                    source=BaselineSource.CARRIED,
                    period_kind=latest.period_kind,
                    starts_on=latest.starts_on,
                    ends_on=latest.ends_on,
                    value=latest.value,
                    ci_low=latest.ci_low,
                    ci_high=latest.ci_high,
                    n=latest.n,
                    analysis=None,
                    recorded_at=timezone.now(),
                    recorded_by=actor,
                ).pk
            )
    record_event(
        EventType.CYCLE_OPENED,
        initiative,
        actor=actor,
        data={"next": nxt.pk, "cycle": cycle},
    )
    record_event(
        EventType.CYCLE_OPENED,
        nxt,
        actor=actor,
        changes=changes,
        data={
            "previous": initiative.pk,
            "cycle": cycle,
            "kpis": carried_kpis,
            "cleaning_rules": carried_rules,
            "baselines": carried_baselines,
        },
    )
    return nxt
