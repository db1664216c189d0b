"""Step 5, analyse the data: a KPI's analysis over its range (the numbers behind every
chart, from kaizen.improvement.analysis) and the baseline versions recorded from it."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kaizen.core.times import local_text
from kaizen.improvement import analysis as analysing
from kaizen.improvement.models import Analysis, Baseline, BaselineSource, InitiativeKPI
from kaizen.improvement.selectors import default_range, initiative_definition
from kaizen.improvement.services.base import check_open, iso, kpi_data, local_today
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.kpis.engine import EngineError
from kaizen.kpis.spec import KPIDefinition


def _measurable_definition(ikpi: InitiativeKPI) -> KPIDefinition:
    definition = initiative_definition(ikpi)
    if definition is None:
        raise ValidationError({"kpi_key": f"{ikpi.kpi_key} is not in the KPI library"})
    if definition.measure is None:
        raise ValidationError(
            {"kpi_key": f"{ikpi.kpi_key} is not measurable: {definition.not_measurable_reason}"}
        )
    return definition


def _provenance(definition: KPIDefinition) -> int | None:
    if not analysing.is_store_kpi(definition):
        return None
    from kaizen.kpis.selectors import synced_event_id

    return synced_event_id()


def analyse(
    ikpi: InitiativeKPI,
    definition: KPIDefinition,
    *,
    actor: Any,
    start: dt.date,
    end: dt.date,
    change_on: dt.date | None,
    today: dt.date,
    purpose: str,
    require_data: bool = False,
) -> Analysis:
    """An Analysis of the KPI over [start, end). `require_data`: refuse (ValidationError on
    kpi_key) when no period of the range has a value, rather than store an empty analysis."""
    rules = list(ikpi.cleaning_rules.order_by("pk"))
    try:
        result = analysing.analyse_kpi(
            ikpi,
            definition,
            rules,
            start=start,
            end=end,
            change_on=change_on,
            today=today,
            purpose=purpose,
        )
    except EngineError as error:
        raise ValidationError({"kpi_key": f"{ikpi.kpi_key}: {error}"}) from error
    if require_data and all(row["value"] is None for row in result["series"]):
        last_day = end - dt.timedelta(days=1)
        raise ValidationError(
            {
                "kpi_key": f"{definition.name} has no data from {local_text(start)} to "
                f"{local_text(last_day)}: there is nothing to analyse. Step 3 says whether its "
                "data is arriving; widen the analysed range if it arrived earlier."
            }
        )
    synced = _provenance(definition)
    result["synced_event_id"] = synced
    return Analysis.objects.create(
        initiative_kpi=ikpi,
        computed_at=timezone.now(),
        computed_by=actor,
        purpose=purpose,
        period_kind=ikpi.period_kind,
        range_start=start,
        range_end=end - dt.timedelta(days=1),
        change_on=change_on,
        synced_event_id=synced,
        result=result,
    )


@transaction.atomic
def do_analyse_kpi(ikpi: InitiativeKPI, *, actor: Any, today: dt.date | None = None) -> Analysis:
    """Analyse one KPI over its range (complete periods), cleaned by its rules: baseline,
    actual against target, trend, control chart, Pareto by its breakdown, and before/after
    around its change date when set. The result keeps the numbers behind every chart. A KPI
    with no data in its range is refused (nothing is stored), naming the range."""
    initiative = ikpi.initiative
    check_open(initiative)
    today = local_today(today)
    definition = _measurable_definition(ikpi)
    start, end = default_range(ikpi, today)
    result = analyse(
        ikpi,
        definition,
        actor=actor,
        start=start,
        end=end,
        change_on=ikpi.change_on,
        today=today,
        purpose="analysis",
        require_data=True,
    )
    outcome = result.result["before_after"]["outcome"] if result.result["before_after"] else None
    record_event(
        EventType.ANALYSIS_COMPUTED,
        initiative,
        actor=actor,
        data=kpi_data(
            ikpi,
            analysis=result.pk,
            purpose="analysis",
            range=[iso(result.range_start), iso(result.range_end)],
            change_on=iso(result.change_on),
            rules=[item["id"] for item in result.result["cleaning"]],
            actual=result.result["actual"]["value"],
            status=result.result["actual"]["status"],
            before_after=outcome,
            synced_event_id=result.synced_event_id,
        ),
    )
    return result


def next_baseline_version(ikpi: InitiativeKPI) -> int:
    return (ikpi.baselines.aggregate(last=Max("version"))["last"] or 0) + 1


def baseline_data(baseline: Baseline) -> dict[str, Any]:
    return kpi_data(
        baseline.initiative_kpi,
        baseline=baseline.pk,
        version=baseline.version,
        source=baseline.source,
        value=baseline.value,
        ci=[baseline.ci_low, baseline.ci_high],
        n=baseline.n,
        period=[iso(baseline.starts_on), iso(baseline.ends_on)],
        analysis=baseline.analysis_id,
    )


@transaction.atomic
def do_record_baseline(
    ikpi: InitiativeKPI, *, actor: Any, analysis: Analysis | None = None
) -> Baseline:
    """A new baseline version from an analysis (default: the KPI's latest): the mean of the
    periods before its change date (all of them without one), with its confidence interval."""
    initiative = ikpi.initiative
    check_open(initiative)
    if analysis is None:
        analysis = ikpi.analyses.filter(purpose="analysis").order_by("-computed_at", "-pk").first()
        if analysis is None:
            raise ValidationError({"analysis": "analyse the KPI first"})
    elif analysis.initiative_kpi_id != ikpi.pk:
        raise ValidationError({"analysis": "an analysis of this KPI"})
    section = analysis.result.get("baseline") or {}
    if section.get("mean") is None or not section.get("start"):
        raise ValidationError(
            {"analysis": "the analysis has no measured period to take as baseline"}
        )
    baseline = Baseline.objects.create(
        initiative_kpi=ikpi,
        version=next_baseline_version(ikpi),
        source=BaselineSource.MEASURED,
        period_kind=analysis.period_kind,
        starts_on=dt.date.fromisoformat(section["start"]),
        ends_on=dt.date.fromisoformat(section["end"]),
        value=section["mean"],
        ci_low=section.get("ci_low"),
        ci_high=section.get("ci_high"),
        n=section.get("n") or 0,
        analysis=analysis,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    record_event(EventType.BASELINE_RECORDED, initiative, actor=actor, data=baseline_data(baseline))
    return baseline
