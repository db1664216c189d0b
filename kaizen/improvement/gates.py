"""What each of the seven steps needs before an initiative moves on, read from its outputs.

A gate reads the rows the steps produced (KPIs, the data assessment and its gaps, collection
settings, processing, analyses and baselines, the decision, the actions and the evaluation)
and says, in words a user can act on, what is still missing ("KPI incident.sla_met_pct has no
target") and what is in place. `kaizen.improvement.services.do_advance_step` asks the gate of
the current step: in strict mode a step passes only with nothing missing (`GateBlocked`); in
advisory mode it may pass anyway when a reason is given, and the journal keeps what was
missing and why it passed.

Freshness ("the assessment was computed after the KPIs last changed", "the analysis is newer
than the KPI's cleaning rules and processing") is read from the event journal, which records
every such change with its time: KPIs added or removed, a KPI's period or range changed, a
cleaning rule added or removed. A decision to keep measuring (step 6 back to step 3) also asks
for a new analysis at step 5: the point of measuring longer is to analyse the longer series.

`gates_for(initiatives)` computes the current gate of many initiatives (a list page) in a
constant number of queries: each kind of output is read once for all of them, and only for
the initiatives whose current step needs it. `all_gates(initiative)` computes the seven gates
of one initiative from one read of its outputs (each kind once, not once per step).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from kaizen.core.errors import Conflict
from kaizen.core.times import local_text
from kaizen.improvement.models import (
    ActionStatus,
    Analysis,
    Baseline,
    DataAssessment,
    Decision,
    DecisionKind,
    Evaluation,
    Gap,
    GapStatus,
    Initiative,
    InitiativeKPI,
    Step,
)
from kaizen.improvement.selectors import evaluation_window_over
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

# A KPI change after which the data assessment must be computed again...
ASSESSED_FIELDS = frozenset({"period_kind", "analysis_starts_on", "analysis_ends_on"})
# ...and after which a KPI must be analysed again (its figures would differ).
PROCESSING_FIELDS = frozenset(
    {"period_kind", "breakdown", "analysis_starts_on", "analysis_ends_on", "change_on"}
)
KPI_SET_EVENTS = frozenset({EventType.INITIATIVE_KPI_ADDED, EventType.INITIATIVE_KPI_REMOVED})
RULE_EVENTS = frozenset({EventType.CLEANING_RULE_ADDED, EventType.CLEANING_RULE_REMOVED})
CHANGE_EVENTS = KPI_SET_EVENTS | RULE_EVENTS | {EventType.INITIATIVE_KPI_UPDATED}
FINISHED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)


@dataclass
class GateResult:
    step: int
    passed: bool
    missing: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Step(self.step).label

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "label": self.label,
            "passed": self.passed,
            "missing": list(self.missing),
            "done": list(self.done),
        }


class GateBlocked(ValidationError, Conflict):
    """A step cannot pass: `missing` lists what it lacks, in words. The error is on
    `current_step` (strict mode) or `override_reason` (advisory mode, no reason given): a
    ValidationError for the forms, a Conflict (409 in the API, with `missing`) for the API."""

    def __init__(self, result: GateResult, *, field: str = "current_step") -> None:
        self.result = result
        self.step = result.step
        self.missing = list(result.missing)
        heading = f"Step {result.step} ({result.label}) cannot pass yet"
        if field == "override_reason":
            heading += ": give a reason to pass it with outputs missing"
        super().__init__({field: [f"{heading}.", *self.missing]})

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": self.messages[0], "missing": list(self.missing)}


def _day(moment: dt.datetime) -> str:
    return local_text(moment)


class _Outputs:
    """Every output the gates of the given initiatives' steps read (initiative id -> the steps
    whose gates are asked), each kind in one query for all the initiatives a step needs it
    for."""

    def __init__(self, steps: Mapping[int, Collection[int]], today: dt.date) -> None:
        self.today = today
        ids = list(steps)
        at: dict[int, list[int]] = defaultdict(list)
        for pk, wanted in steps.items():
            for step in set(wanted):
                at[step].append(pk)
        self.kpis: dict[int, list[InitiativeKPI]] = defaultdict(list)
        for ikpi in (
            InitiativeKPI.objects.filter(initiative_id__in=ids)
            .select_related("goal")
            .order_by("initiative_id", "position", "pk")
        ):
            self.kpis[ikpi.initiative_id].append(ikpi)
        self.goal_ids: dict[int, set[int]] = defaultdict(set)
        if at[1]:
            through = Initiative.goals.through.objects.filter(initiative_id__in=at[1])
            for initiative_id, goal_id in through.values_list("initiative_id", "goal_id"):
                self.goal_ids[initiative_id].add(goal_id)
        self.gaps: dict[int, list[Gap]] = defaultdict(list)
        self.assessed_at: dict[int, dt.datetime] = {}
        self.kpis_changed_at: dict[int, dt.datetime] = {}
        self.processing_changed_at: dict[int, dt.datetime] = {}
        if at[2]:
            for gap in Gap.objects.filter(initiative_id__in=at[2], still_present=True):
                self.gaps[gap.initiative_id].append(gap)
            self.assessed_at = dict(
                DataAssessment.objects.filter(initiative_id__in=at[2])
                .values("initiative_id")
                .annotate(latest=Max("computed_at"))
                .values_list("initiative_id", "latest")
            )
        if at[2] or at[5]:
            self._read_changes(sorted({*at[2], *at[5]}))
        self.collection: dict[int, dict[str, Any]] = {}
        if at[3]:
            from kaizen.improvement.selectors import collection_statuses

            ikpis = [ikpi for pk in at[3] for ikpi in self.kpis[pk]]
            self.collection = collection_statuses(ikpis, today=today, detail=False)
        self.analysed_at: dict[int, dt.datetime] = {}
        self.with_baseline: set[int] = set()
        self.kept_measuring_at: dict[tuple[int, int], dt.datetime] = {}
        if at[5]:
            kept = Decision.objects.filter(
                initiative_id__in=at[5], decision=DecisionKind.KEEP_MEASURING
            ).values_list("initiative_id", "cycle", "decided_at")
            for initiative_id, cycle, decided_at in kept:
                self._later(self.kept_measuring_at, (initiative_id, cycle), decided_at)
            self.analysed_at = dict(
                Analysis.objects.filter(initiative_kpi__initiative_id__in=at[5], purpose="analysis")
                .values("initiative_kpi_id")
                .annotate(latest=Max("computed_at"))
                .values_list("initiative_kpi_id", "latest")
            )
            self.with_baseline = set(
                Baseline.objects.filter(initiative_kpi__initiative_id__in=at[5])
                .order_by()  # the model's ordering would join the KPI and the initiative
                .values_list("initiative_kpi_id", flat=True)
                .distinct()
            )
        self.decisions: dict[int, list[Decision]] = defaultdict(list)
        if at[6]:
            for decision in Decision.objects.filter(initiative_id__in=at[6]).order_by(
                "-decided_at", "-pk"
            ):
                self.decisions[decision.initiative_id].append(decision)
        self.actions: dict[int, list[Any]] = defaultdict(list)
        self.evaluated: set[tuple[int, int]] = set()
        if at[7]:
            from kaizen.improvement.models import Action

            for action in Action.objects.filter(initiative_id__in=at[7]):
                self.actions[action.initiative_id].append(action)
            self.evaluated = set(
                Evaluation.objects.filter(initiative_id__in=at[7]).values_list(
                    "initiative_id", "cycle"
                )
            )

    def _read_changes(self, ids: list[int]) -> None:
        """When each initiative's KPI set (or a KPI's assessed settings) and each KPI's
        processing last changed, from the journal."""
        events = JournalEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Initiative),
            subject_id__in=[str(pk) for pk in ids],
            event_type__in=[str(kind) for kind in CHANGE_EVENTS],
        ).values_list("subject_id", "event_type", "occurred_at", "data", "changes")
        for subject_id, event_type, occurred_at, data, changes in events:
            initiative_id = int(subject_id)
            ikpi_id = (data or {}).get("initiative_kpi")
            changed = set(changes or {})
            if event_type in KPI_SET_EVENTS or (
                event_type == EventType.INITIATIVE_KPI_UPDATED and changed & ASSESSED_FIELDS
            ):
                self._later(self.kpis_changed_at, initiative_id, occurred_at)
            if ikpi_id is not None and (
                event_type in RULE_EVENTS
                or (event_type == EventType.INITIATIVE_KPI_UPDATED and changed & PROCESSING_FIELDS)
            ):
                self._later(self.processing_changed_at, int(ikpi_id), occurred_at)

    @staticmethod
    def _later(times: dict[Any, dt.datetime], key: Any, moment: dt.datetime) -> None:
        if key not in times or moment > times[key]:
            times[key] = moment


# -- the seven gates ----------------------------------------------------------------------------


def _step_1(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    kpis = outputs.kpis[initiative.pk]
    served = outputs.goal_ids[initiative.pk]
    if not served:
        missing.append("Link the initiative to at least one goal it serves")
    else:
        done.append(f"Serves {len(served)} goal{'s' if len(served) != 1 else ''}")
    if not kpis:
        missing.append("Choose at least one KPI to measure")
    for ikpi in kpis:
        problems = []
        if ikpi.target is None:
            problems.append(f"KPI {ikpi.kpi_key} has no target")
        if ikpi.goal_id is None:
            problems.append(f"KPI {ikpi.kpi_key} is not tied to a goal")
        elif ikpi.goal_id not in served:
            problems.append(
                f'KPI {ikpi.kpi_key} is tied to goal "{ikpi.goal}", which the initiative does '
                "not serve: add the goal to the initiative or tie the KPI to another"
            )
        if problems:
            missing += problems
        else:
            done.append(f'KPI {ikpi.kpi_key}: target {ikpi.target:g}, goal "{ikpi.goal}"')
    return GateResult(1, not missing, missing, done)


def _step_2(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    kpis = outputs.kpis[initiative.pk]
    if not kpis:
        missing.append("Choose at least one KPI to measure (step 1)")
    assessed_at = outputs.assessed_at.get(initiative.pk)
    changed_at = outputs.kpis_changed_at.get(initiative.pk)
    if assessed_at is None:
        missing.append("Compute the data assessment")
    elif changed_at is not None and changed_at > assessed_at:
        missing.append(
            f"Compute the data assessment again: the KPIs changed on {_day(changed_at)}, after "
            f"it was computed ({_day(assessed_at)})"
        )
    else:
        done.append(f"Data assessment computed on {_day(assessed_at)}")
    keys = {ikpi.kpi_key for ikpi in kpis}
    for gap in sorted(outputs.gaps[initiative.pk], key=lambda gap: (gap.kpi_key, gap.code)):
        if gap.kpi_key not in keys:
            continue
        if gap.code == "not_measurable":
            if gap.status == GapStatus.ACCEPTED:
                done.append(f"KPI {gap.kpi_key} is not measurable; the gap is accepted")
            else:
                missing.append(
                    f"KPI {gap.kpi_key} cannot be measured ({gap.description}): remove it or "
                    "accept its gap"
                )
        elif gap.status in (GapStatus.CLOSED, GapStatus.ACCEPTED):
            done.append(
                f"Gap of {gap.kpi_key} {gap.get_status_display().lower()}: {gap.description}"
            )
        elif gap.action.strip():
            done.append(f"Gap of {gap.kpi_key} has an action: {gap.description}")
        else:
            missing.append(
                f"Gap of KPI {gap.kpi_key}: {gap.description}. Write what it takes to close "
                "it, close it or accept it"
            )
    return GateResult(2, not missing, missing, done)


def _step_3(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    kpis = outputs.kpis[initiative.pk]
    if not kpis:
        missing.append("Choose at least one KPI to measure (step 1)")
    for ikpi in kpis:
        problems = []
        if not ikpi.schedule:
            problems.append(f"KPI {ikpi.kpi_key} has no collection schedule")
        if not ikpi.source_description.strip():
            problems.append(f"KPI {ikpi.kpi_key} has no source description")
        status = outputs.collection.get(ikpi.pk, {})
        if status.get("status") in ("no data", "not measurable"):
            problems.append(f"KPI {ikpi.kpi_key}: {status['status']} ({status['explanation']})")
        if problems:
            missing += problems
        else:
            done.append(
                f"KPI {ikpi.kpi_key}: collected {ikpi.get_schedule_display().lower()}, data "
                f"{status.get('status', 'unknown')}"
            )
    return GateResult(3, not missing, missing, done)


def _step_4(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    kpis = outputs.kpis[initiative.pk]
    if not kpis:
        missing.append("Choose at least one KPI to measure (step 1)")
    for ikpi in kpis:
        if ikpi.processing_confirmed:
            done.append(
                f"KPI {ikpi.kpi_key}: processing confirmed (by {ikpi.period_kind}, broken down "
                f"by {ikpi.breakdown})"
            )
        else:
            missing.append(
                f"KPI {ikpi.kpi_key}: confirm its processing (period, breakdown and cleaning rules)"
            )
    return GateResult(4, not missing, missing, done)


def _step_5(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    kpis = outputs.kpis[initiative.pk]
    if not kpis:
        missing.append("Choose at least one KPI to measure (step 1)")
    kept_measuring_at = outputs.kept_measuring_at.get((initiative.pk, initiative.cycle))
    for ikpi in kpis:
        analysed_at = outputs.analysed_at.get(ikpi.pk)
        changed_at = outputs.processing_changed_at.get(ikpi.pk)
        if analysed_at is None:
            missing.append(f"KPI {ikpi.kpi_key} has not been analysed")
        elif kept_measuring_at is not None and kept_measuring_at > analysed_at:
            missing.append(
                f"KPI {ikpi.kpi_key}: analyse it again with the data gathered since the decision "
                f"to keep measuring ({_day(kept_measuring_at)})"
            )
        elif changed_at is not None and changed_at > analysed_at:
            missing.append(
                f"KPI {ikpi.kpi_key}: analyse it again, its cleaning rules or processing changed "
                f"on {_day(changed_at)}, after the analysis of {_day(analysed_at)}"
            )
        else:
            done.append(f"KPI {ikpi.kpi_key} analysed on {_day(analysed_at)}")
        if ikpi.pk in outputs.with_baseline:
            done.append(f"KPI {ikpi.kpi_key} has a baseline")
        else:
            missing.append(f"KPI {ikpi.kpi_key} has no baseline: record it from the analysis")
    return GateResult(5, not missing, missing, done)


def _step_6(initiative: Initiative, outputs: _Outputs) -> GateResult:
    decisions = [d for d in outputs.decisions[initiative.pk] if d.cycle == initiative.cycle]
    if not decisions:
        return GateResult(6, False, ["Record the decision: implement, keep measuring or stop"], [])
    latest = decisions[0]
    when = _day(latest.decided_at)
    if latest.decision == DecisionKind.IMPLEMENT:
        return GateResult(6, True, [], [f"Decided to implement corrective actions on {when}"])
    return GateResult(
        6,
        False,
        [
            f"Record a new decision: the last one ({latest.get_decision_display().lower()}, "
            f"{when}) did not decide to implement"
        ],
        [],
    )


def _step_7(initiative: Initiative, outputs: _Outputs) -> GateResult:
    missing, done = [], []
    actions = outputs.actions[initiative.pk]
    if not actions:
        missing.append("Create at least one corrective action")
    unfinished = [a for a in actions if a.status not in FINISHED_ACTIONS]
    finished = [a for a in actions if a.status == ActionStatus.DONE]
    for action in sorted(unfinished, key=lambda a: (a.due_on, a.pk)):
        missing.append(
            f'Action "{action.title}" is {action.get_status_display().lower()} (due '
            f"{local_text(action.due_on)})"
        )
    if actions and not finished:
        missing.append(
            "At least one action must be done (cancelling every action is no improvement)"
        )
    if finished:
        done.append(f"{len(finished)} action{'s' if len(finished) != 1 else ''} done")
    ends_on = initiative.evaluation_ends_on
    if ends_on is None:
        missing.append("The evaluation window opens when every action is done or cancelled")
    elif not evaluation_window_over(initiative, outputs.today):
        missing.append(f"The evaluation window runs until {local_text(ends_on)}")
    else:
        done.append(f"Evaluation window ended on {local_text(ends_on)}")
    if (initiative.pk, initiative.cycle) in outputs.evaluated:
        done.append(f"Cycle {initiative.cycle} evaluated")
    else:
        after = f" after {local_text(ends_on)}" if ends_on else ""
        missing.append(f"Evaluate the initiative{after}")
    return GateResult(7, not missing, missing, done)


GATES = {1: _step_1, 2: _step_2, 3: _step_3, 4: _step_4, 5: _step_5, 6: _step_6, 7: _step_7}


def _results(
    initiatives: list[Initiative], steps: Mapping[int, int], today: dt.date | None
) -> dict[int, GateResult]:
    outputs = _Outputs({pk: (step,) for pk, step in steps.items()}, today or timezone.localdate())
    return {
        initiative.pk: GATES[steps[initiative.pk]](initiative, outputs)
        for initiative in initiatives
    }


def gate(
    initiative: Initiative, step: int | None = None, *, today: dt.date | None = None
) -> GateResult:
    """What `step` (default: the current one) of the initiative lacks, and what it has."""
    step = int(step or initiative.current_step)
    if step not in GATES:
        raise ValueError(f"no step {step}")
    return _results([initiative], {initiative.pk: step}, today)[initiative.pk]


def gates_for(
    initiatives: Iterable[Initiative], *, today: dt.date | None = None
) -> dict[int, GateResult]:
    """The current step's gate of each initiative, by id, in a constant number of queries."""
    listed = list(initiatives)
    return _results(listed, {i.pk: int(i.current_step) for i in listed}, today)


def all_gates(initiative: Initiative, *, today: dt.date | None = None) -> list[GateResult]:
    """The gate of every step, 1 to 7, from one read of the initiative's outputs: what each
    step has produced and what it lacks (the same answers as `gate(initiative, step)`)."""
    outputs = _Outputs({initiative.pk: tuple(GATES)}, today or timezone.localdate())
    return [GATES[step](initiative, outputs) for step in sorted(GATES)]
