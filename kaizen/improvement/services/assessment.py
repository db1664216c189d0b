"""Step 2, what we can measure: the data assessment of an initiative's KPIs and the gaps
it shows."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.improvement import analysis as analysing
from kaizen.improvement.models import DataAssessment, Gap, GapStatus, Initiative
from kaizen.improvement.selectors import default_range, definition_of
from kaizen.improvement.services.base import (
    check_agent,
    check_open,
    copy_into,
    iso,
    local_today,
    lock,
    lock_output,
)
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event

GAP_FIELDS = ("action", "owner", "status")


@transaction.atomic
def do_assess_data(
    initiative: Initiative, *, actor: Any, today: dt.date | None = None
) -> DataAssessment:
    """The gap analysis: for each KPI, the data quality of its source over its range (the
    last year of complete periods unless the KPI has an analysis range) and the gaps it
    shows. Gap rows are kept by (KPI, code): a recomputation updates their description and
    keeps what people wrote (action, owner, status); a gap the data no longer shows is marked
    no longer present. What it would take to close each gap is suggested in the results
    (`suggested_action`), not written into the gap: closing it is the owner's call."""
    check_open(initiative)
    today = local_today(today)
    kpis = list(initiative.kpis.order_by("position", "pk"))
    if not kpis:
        raise ValidationError({"kpis": "choose at least one KPI to assess"})
    results, ranges = [], []
    for ikpi in kpis:
        start, end = default_range(ikpi, today)
        ranges.append((start, end))
        results.append(
            analysing.assess_kpi(ikpi, definition_of(ikpi.kpi_key), start=start, end=end)
        )
    kinds = [ikpi.period_kind for ikpi in kpis]
    assessment = DataAssessment.objects.create(
        initiative=initiative,
        computed_at=timezone.now(),
        computed_by=actor,
        period_kind=max(set(kinds), key=kinds.count),
        range_start=min(start for start, _ in ranges),
        range_end=max(end for _, end in ranges) - dt.timedelta(days=1),
        results=results,
    )
    existing = {(gap.kpi_key, gap.code): gap for gap in initiative.gaps.all()}
    seen, created, returned = set(), [], []
    for entry in results:
        for found in entry["gaps"]:
            key = (entry["kpi_key"], found["code"])
            seen.add(key)
            gap = existing.get(key)
            if gap is None:
                gap = Gap.objects.create(
                    initiative=initiative,
                    kpi_key=entry["kpi_key"],
                    code=found["code"],
                    description=found["description"],
                )
                created.append(gap)
                continue
            if not gap.still_present:
                returned.append(gap)
            if gap.description != found["description"] or not gap.still_present:
                gap.description, gap.still_present = found["description"], True
                gap.save(update_fields=["description", "still_present"])
    gone = [gap for key, gap in existing.items() if key not in seen and gap.still_present]
    Gap.objects.filter(pk__in=[gap.pk for gap in gone]).update(still_present=False)
    record_event(
        EventType.ASSESSMENT_COMPUTED,
        initiative,
        actor=actor,
        data={
            "assessment": assessment.pk,
            "kpis": len(results),
            "verdicts": {entry["kpi_key"]: entry["verdict"] for entry in results},
            "gaps": sorted(f"{kpi}:{code}" for kpi, code in seen),
            "gaps_new": [gap.pk for gap in created],
            "gaps_back": [gap.pk for gap in returned],
            "gaps_gone": [gap.pk for gap in gone],
            "range": [iso(assessment.range_start), iso(assessment.range_end)],
        },
    )
    return assessment


@transaction.atomic
def do_update_gap(
    gap: Gap, *, actor: Any, expected_version: int | None = None, **fields: Any
) -> Gap:
    """Write what it takes to close a gap, who owns it, or close or accept it. The gap is
    locked and read again: OutputChanged when it is no longer at `expected_version` (None: no
    check). Only the changed fields are written."""
    initiative = lock(gap.initiative)
    check_open(initiative)
    caller = gap
    gap = lock_output(
        gap,
        initiative,
        expected_version,
        related=("owner",),
        name=f"The gap “{gap.description}”",
        noun="gap",
        key="gap",
        event_types=(EventType.GAP_UPDATED,),
    )
    if "action" in fields:
        fields["action"] = str(fields["action"] or "").strip()
    changes = apply_changes(gap, fields, GAP_FIELDS)
    if not changes:
        copy_into(caller, gap)
        return caller
    if gap.status not in GapStatus.values:
        raise ValidationError({"status": f"one of {', '.join(GapStatus.values)}"})
    if "owner" in changes:
        check_agent(gap.owner, "owner", required=False)
    gap.full_clean()
    gap.version += 1
    gap.save(update_fields=[*changes, "version"])
    record_event(
        EventType.GAP_UPDATED,
        initiative,
        actor=actor,
        changes=changes,
        data={"gap": gap.pk, "kpi_key": gap.kpi_key, "code": gap.code},
    )
    copy_into(caller, gap)
    return caller
