"""Factories for the improvement register's tests. They go through the services, so what they
make is what users make: journaled, validated, with real step outputs.

- `make_goal()`, `make_initiative(owner=...)`, `add_kpi(initiative)`: the rows of step 1.
- `walk_to_step(initiative, n, actor=...)`: records each step's outputs on the incident facts
  of `seed_resolution_history` (seeded into the test's analytics store if it is empty) and
  passes each gate, until the initiative is at step `n`.
- `implement(initiative, actor=...)`: at step 7, one action done the day before the seeded
  history's improvement, so the evaluation window covers the "after".
- `add_output_rows(initiative)`: one more of every step's outputs, each by a new person, for
  the tests that a page's number of queries does not grow with its lists.

The walk analyses as of WALK_TODAY, the day the seeded resolution times drop: its baseline is
the "before" (about 20 hours median), and an evaluation window from that day on measures the
"after" (about 10 hours).
"""

import datetime as dt
from itertools import count
from typing import Any

from django.utils import timezone

from kaizen.improvement import services
from kaizen.improvement.models import (
    Action,
    ActionStatus,
    Analysis,
    Baseline,
    BaselineSource,
    CleaningKind,
    CleaningRule,
    Decision,
    DecisionKind,
    Evaluation,
    Gap,
    GapStatus,
    Goal,
    GoalLevel,
    Initiative,
    InitiativeKPI,
)
from kaizen.improvement.selectors import definition_of, suggested_source
from kaizen.improvement.tests.facts import seed_resolution_history
from kaizen.people.models import Process
from kaizen.testing import make_user

DEFAULT_KPI = "incident.resolution_hours_median"
CHANGE_DAY = dt.date(2026, 4, 6)  # seed_resolution_history's default change_on
WALK_TODAY = CHANGE_DAY
DONE_ON = CHANGE_DAY - dt.timedelta(days=1)  # implement(): the window opens on CHANGE_DAY


def make_goal(
    title: str = "Resolve incidents faster",
    *,
    level: str = GoalLevel.OPERATIONAL,
    actor: Any = None,
    **fields: Any,
) -> Goal:
    return services.do_create_goal(actor=actor, level=level, title=title, **fields)


def make_initiative(*, owner: Any, actor: Any = None, **fields: Any) -> Initiative:
    """An initiative at step 1 owned by `owner` (an agent); no goals or KPIs unless given."""
    fields.setdefault("title", "Faster incident resolution")
    fields.setdefault(
        "problem_statement", "Incidents take too long to resolve; callers wait a working day."
    )
    fields.setdefault("process", Process.INCIDENT)
    return services.do_create_initiative(actor=actor, owner=owner, **fields)


def add_kpi(
    initiative: Initiative, key: str = DEFAULT_KPI, *, actor: Any = None, **fields: Any
) -> InitiativeKPI:
    """A KPI of the initiative, tied to its first goal unless `goal` is given; `target` and
    `warning` default to the library's, any other field (schedule, period_kind...) is set
    through do_update_initiative_kpi."""
    chosen = {name: fields.pop(name) for name in ("target", "warning") if name in fields}
    goal = fields.pop("goal") if "goal" in fields else initiative.goals.order_by("pk").first()
    ikpi = services.do_add_initiative_kpi(initiative, actor=actor, kpi_key=key, goal=goal, **chosen)
    if fields:
        services.do_update_initiative_kpi(ikpi, actor=actor, **fields)
    return ikpi


def ensure_history(**options: Any) -> int:
    """seed_resolution_history's incidents (with `options`) in the test's analytics store,
    once; returns how many there are."""
    from kaizen.analytics.store import connect

    with connect() as connection:
        (count,) = connection.execute("SELECT count(*) FROM incident_facts").fetchone()
    if count:
        return count
    return seed_resolution_history(**options)


def _step_1(initiative: Initiative, actor: Any, today: dt.date) -> None:
    goal = initiative.goals.order_by("pk").first()
    if goal is None:
        goal = make_goal(actor=actor)
        services.do_update_initiative(initiative, actor=actor, goals=[goal])
    if not initiative.kpis.exists():
        add_kpi(initiative, actor=actor, goal=goal)
    for ikpi in initiative.kpis.all():
        fields: dict[str, Any] = {}
        if ikpi.goal_id is None:
            fields["goal"] = goal
        if ikpi.target is None:
            definition = definition_of(ikpi.kpi_key)
            fields["target"] = (definition.thresholds.target if definition else None) or 1.0
        if fields:
            services.do_update_initiative_kpi(ikpi, actor=actor, **fields)


def _step_2(initiative: Initiative, actor: Any, today: dt.date) -> None:
    ensure_history()
    services.do_assess_data(initiative, actor=actor, today=today)
    open_gaps = Gap.objects.filter(
        initiative=initiative, still_present=True, status=GapStatus.OPEN, action=""
    )
    for gap in open_gaps:
        services.do_update_gap(gap, actor=actor, status=GapStatus.ACCEPTED)


def _step_3(initiative: Initiative, actor: Any, today: dt.date) -> None:
    for ikpi in initiative.kpis.all():
        fields: dict[str, Any] = {}
        if not ikpi.schedule:
            fields["schedule"] = "daily"
        if not ikpi.source_description:
            fields["source_description"] = suggested_source(definition_of(ikpi.kpi_key))
        if fields:
            services.do_update_initiative_kpi(ikpi, actor=actor, **fields)


def _step_4(initiative: Initiative, actor: Any, today: dt.date) -> None:
    for ikpi in initiative.kpis.filter(processing_confirmed=False):
        services.do_update_initiative_kpi(ikpi, actor=actor, processing_confirmed=True)


def _step_5(initiative: Initiative, actor: Any, today: dt.date) -> None:
    for ikpi in initiative.kpis.all():
        analysis = services.do_analyse_kpi(ikpi, actor=actor, today=today)
        services.do_record_baseline(ikpi, actor=actor, analysis=analysis)


OUTPUTS = {1: _step_1, 2: _step_2, 3: _step_3, 4: _step_4, 5: _step_5}


def walk_to_step(
    initiative: Initiative, step: int, *, actor: Any, today: dt.date = WALK_TODAY
) -> Initiative:
    """Record each step's outputs and pass its gate until the initiative is at `step`
    (step 6 passes by the decision to implement). `actor` works the initiative (its owner or
    the CSI manager) and records the decision, so it must be a person."""
    while initiative.current_step < step:
        current = initiative.current_step
        if current in OUTPUTS:
            OUTPUTS[current](initiative, actor, today)
            services.do_advance_step(initiative, actor=actor, today=today)
        else:
            services.do_record_decision(
                initiative,
                actor=actor,
                decision=DecisionKind.IMPLEMENT,
                rationale="The analysis shows where the time goes; act on it.",
            )
        initiative.refresh_from_db()
    return initiative


def implement(
    initiative: Initiative, *, actor: Any, done_on: dt.date = DONE_ON, title: str = ""
) -> Initiative:
    """At step 7: one corrective action, done on `done_on` (the window opens the day after)."""
    action = services.do_create_action(
        initiative,
        actor=actor,
        title=title or "Route network incidents straight to the network team",
        owner=initiative.owner,
        due_on=done_on,
    )
    services.do_update_action(
        action, actor=actor, status=ActionStatus.DONE, done_on=done_on, today=done_on
    )
    initiative.refresh_from_db()
    return initiative


_output_rows = count(1)


def add_output_rows(initiative: Initiative) -> InitiativeKPI:
    """One more of each step's outputs on `initiative`, written straight to the database (past
    step 2 the services take no new KPI, past step 5 no cleaning rule), each by a new person:
    a custom KPI of the library measured by the initiative (with a goal it serves, a schedule
    and a confirmed processing), a cleaning rule, an analysis copied from the initiative's
    first analysis, a baseline, a gap, a decision to implement, a done action and an
    evaluation. Returns the KPI added. For the tests that a page's number of queries stays
    the same however long its lists: each kind is read once for all its rows."""
    from kaizen.kpis.tests.helpers import make_custom_kpi

    number = next(_output_rows)
    person = make_user()
    key = f"custom.listed-{number}"
    make_custom_kpi(key=key, name=f"Listed KPI {number}")
    goal = make_goal(f"Listed goal {number}")
    initiative.goals.add(goal)
    ikpi = InitiativeKPI.objects.create(
        initiative=initiative,
        kpi_key=key,
        goal=goal,
        target=4.0,
        source_description="The incident records",
        schedule="daily",
        processing_confirmed=True,
        position=100 + number,
    )
    CleaningRule.objects.create(
        initiative_kpi=ikpi,
        kind=CleaningKind.CAP,
        column="resolution_hours",
        value=500,
        reason="Tickets left open over a holiday",
        created_by=person,
    )
    model = Analysis.objects.filter(initiative_kpi__initiative=initiative).first()
    now = timezone.now()
    if model is not None:
        Analysis.objects.create(
            initiative_kpi=ikpi,
            computed_at=now,
            computed_by=person,
            purpose="analysis",
            period_kind=model.period_kind,
            range_start=model.range_start,
            range_end=model.range_end,
            result=model.result,
        )
    Baseline.objects.create(
        initiative_kpi=ikpi,
        version=1,
        source=BaselineSource.MEASURED,
        period_kind="week",
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 4, 5),
        value=20.0,
        n=13,
        recorded_at=now,
        recorded_by=person,
    )
    Gap.objects.create(
        initiative=initiative,
        kpi_key=key,
        code="small_samples",
        description="Few incidents a week",
        owner=person,
    )
    Decision.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        decision=DecisionKind.IMPLEMENT,
        rationale="Worth doing",
        decided_by=person,
        decided_at=now,
    )
    Action.objects.create(
        initiative=initiative,
        title=f"Listed action {number}",
        owner=person,
        due_on=DONE_ON,
        status=ActionStatus.DONE,
        done_on=DONE_ON,
    )
    Evaluation.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        evaluated_at=now,
        evaluated_by=person,
        window_start=CHANGE_DAY,
        window_end=CHANGE_DAY + dt.timedelta(days=27),
        target_met=False,
        results=[
            {
                "kpi_key": key,
                "initiative_kpi": ikpi.pk,
                "analysis_id": None,
                "baseline": {"version": 1, "value": 20.0},
                "value": None,
                "periods": 0,
                "target": 4.0,
                "met": False,
                "before_after": None,
                "explanation": f"Listed KPI {number} could not be measured.",
            }
        ],
    )
    return ikpi
