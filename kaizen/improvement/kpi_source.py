"""The improvement register as a KPI source: its KPI definitions, beside the code that measures
them (kaizen.improvement.kpi_rows), and their registration with the KPI app.

`register()` runs from the improvement app's AppConfig.ready(): it adds the `improvement`
database source (rows and data-quality scope from kpi_rows) to kaizen.kpis.sources and the
register's KPIs to the library (kaizen.kpis.library.register_kpis), after the library's own.
The KPI app imports nothing of this app. Their required fields name the register's
`<record>.<field>`.
"""

from kaizen.improvement.kpi_rows import improvement_rows, rows_in_scope
from kaizen.kpis.library import HIGHER, measured, not_yet, register_kpis
from kaizen.kpis.models import MeasurementSource
from kaizen.kpis.sources import DatabaseSource, register_source
from kaizen.kpis.spec import (
    Aggregate,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Source,
    Unit,
    column_value,
)


def register_rows(aggregate: Aggregate, placed_by: str | None, **fields: object) -> Measure:
    """A measure over the improvement register's rows, placed by `placed_by` (None: taken at
    each period's end)."""
    return Measure(
        source=Source.IMPROVEMENT,
        aggregate=aggregate,
        period_column=placed_by,
        **fields,  # type: ignore[arg-type]
    )


IDEAS_REASON = (
    "Kaizen's improvement register records initiatives, not ideas: there is no idea box whose "
    "submissions could be counted."
)
# Initiatives closed after their evaluation (step 7): met their target or not. Stopped ones
# were decided against in step 6, not evaluated, and are left out of the targets met.
EVALUATED_CLOSED_STATUSES = ("completed", "not_met")
IMPROVEMENT_KPIS: tuple[KPIDefinition, ...] = (
    measured(
        "improvement.initiatives_open",
        "Open improvement initiatives",
        "Improvement initiatives in progress (active or evaluating) at the period's end: the "
        "CSI register's work in hand. Each figure also carries how many were at each of the "
        "seven steps at that moment.",
        "count of initiatives with created_at < period end <= closed_at (closed_at empty: "
        "still open), taken at each period's end; per step (1-7) in each row's `steps`, the "
        "step each was at then (from the journal's step changes)",
        Unit.COUNT,
        HIGHER,
        register_rows(Aggregate.COUNT, None, interval_start="created_at", interval_end="closed_at"),
        process="improvement",
        required_fields=("initiative.created_at", "initiative.current_step"),
    ),
    measured(
        "improvement.completed_on_time_pct",
        "Corrective actions completed on time",
        "The share of corrective actions (step 7) done by their due date: whether the "
        "register delivers what its decisions promised. Cancelled and unfinished actions are "
        "left out.",
        "100 x actions done with done_on <= due_on / actions done, by done_on",
        Unit.PERCENT,
        HIGHER,
        register_rows(
            Aggregate.SHARE,
            "done_on",
            filters=(Filter("status", Operator.EQ, "done"),),
            numerator=(Filter("done_on", Operator.LE, column_value("due_on")),),
        ),
        process="improvement",
        target=80,
        warning=60,
        required_fields=("action.due_on", "action.done_on", "action.status"),
    ),
    measured(
        "improvement.targets_met_pct",
        "Initiatives that reached their target",
        "The share of initiatives closed after their evaluation (step 7) whose KPIs reached "
        "the target set for them: did we get there? Stopped initiatives are left out: they "
        "were decided against, not evaluated.",
        "100 x initiatives closed with status completed / initiatives closed completed or "
        "not met, by closed_at",
        Unit.PERCENT,
        HIGHER,
        register_rows(
            Aggregate.SHARE,
            "closed_at",
            filters=(Filter("status", Operator.IN, list(EVALUATED_CLOSED_STATUSES)),),
            numerator=(Filter("status", Operator.EQ, "completed"),),
        ),
        process="improvement",
        target=70,
        warning=50,
        required_fields=("initiative.closed_at", "initiative.status"),
    ),
    measured(
        "improvement.benefits_realised_pct",
        "Benefits realised",
        "How much of the gap between baseline and target the initiatives closed, on average "
        "over the KPIs they evaluated: 100 % is the target reached (or passed), 0 % no better "
        "than the baseline (a KPI that got worse counts as 0 %). Reads with the targets met: "
        "an initiative that missed its target may still have closed most of the gap.",
        "mean over evaluated KPIs of 100 x (baseline - evaluated value) / (baseline - target), "
        "capped to [0, 100], by evaluated_at; KPIs whose baseline already met the target are "
        "left out",
        Unit.PERCENT,
        HIGHER,
        register_rows(Aggregate.MEAN, "evaluated_at", column="gap_closed_pct"),
        process="improvement",
        target=70,
        warning=50,
        required_fields=("evaluation.evaluated_at", "evaluation.results"),
    ),
    not_yet(
        "improvement.ideas_submitted",
        "Improvement ideas submitted",
        "improvement",
        "How many improvement ideas staff and users put forward: engagement in continual "
        "improvement.",
        "count of ideas in the register, by submitted_at",
        Unit.COUNT,
        HIGHER,
        reason=IDEAS_REASON,
        required_fields=("idea.submitted_at",),
    ),
)


IMPROVEMENT_SOURCE = DatabaseSource(
    name=Source.IMPROVEMENT,
    rows=improvement_rows,
    rows_in_scope=rows_in_scope,
    measured_as=MeasurementSource.IMPROVEMENT,
    noun="register entries",
)


def register() -> None:
    register_source(IMPROVEMENT_SOURCE)
    register_kpis(IMPROVEMENT_KPIS)
