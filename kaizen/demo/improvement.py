"""The demo's continual improvement: a goal tree and two initiatives on the real ServiceNow
history (March to May 2016, when that service desk's resolution within SLA rose from under
half to three quarters), walked through the same services as the web UI and the API.

- "Resolve more incidents within SLA" has walked all seven steps: KPI chosen, data assessed,
  collection and processing set, analysed (trend, control chart, Pareto, before/after around
  1 April 2016), decided, two corrective actions done, evaluated over April, baseline adopted;
  its second cycle is open with the context carried over.
- "Route incidents to the right team first time" is in progress: analysed and waiting for the
  decision at step 6.

The dates are the history's own (2016): the services take `today` so the evaluation window
ends when it did then. Idempotent: nothing is added when the first initiative exists.
"""

import datetime as dt

from kaizen.improvement import services
from kaizen.improvement.models import Goal, Initiative
from kaizen.people.models import User

COMPLETED_TITLE = "Resolve more incidents within SLA"
IN_PROGRESS_TITLE = "Route incidents to the right team first time"
HISTORY = "ServiceNow incident history (imported event log), synced hourly into the analytics store"


def _goals(owner: User) -> dict[str, Goal]:
    goal = services.do_create_goal
    vision = goal(
        actor=None,
        level="vision",
        title="IT services our colleagues can rely on",
        description="People get on with their work: services run, and when they fail they are "
        "back quickly.",
        owner=owner,
    )
    strategy = goal(
        actor=None,
        level="strategy",
        title="Restore service faster than the business needs it",
        parent=vision,
        owner=owner,
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2017, 12, 31),
    )
    tactical = goal(
        actor=None,
        level="tactical",
        title="Meet the resolution SLA for most incidents by mid-2016",
        parent=strategy,
        owner=owner,
        starts_on=dt.date(2016, 3, 1),
        ends_on=dt.date(2016, 6, 30),
    )
    within_sla = goal(
        actor=None,
        level="operational",
        title="Resolve 70 % of incidents within their SLA",
        parent=tactical,
        owner=owner,
        starts_on=dt.date(2016, 3, 1),
        ends_on=dt.date(2016, 6, 30),
    )
    first_team = goal(
        actor=None,
        level="operational",
        title="Send incidents to the right team the first time",
        parent=tactical,
        owner=owner,
        starts_on=dt.date(2016, 3, 1),
        ends_on=dt.date(2016, 6, 30),
    )
    factor = services.do_add_success_factor(
        within_sla,
        actor=None,
        title="Agents see the SLA due time of every incident they hold",
    )
    services.do_attach_goal_kpi(
        within_sla, actor=None, kpi_key="incident.sla_met_pct", target=70, success_factor=factor
    )
    routing = services.do_add_success_factor(
        first_team, actor=None, title="Categories route to the team that fixes them"
    )
    services.do_attach_goal_kpi(
        first_team,
        actor=None,
        kpi_key="incident.reassignment_mean",
        target=0.7,
        success_factor=routing,
    )
    return {"within_sla": within_sla, "first_team": first_team}


def _completed(owner: User, csi: User, practitioner: User, goal: Goal) -> Initiative:
    initiative = services.do_create_initiative(
        actor=owner,
        title=COMPLETED_TITLE,
        problem_statement="In March 2016 fewer than half of the incidents resolved met their "
        "resolution SLA; callers waited days for fixes the desk could give in hours.",
        justification="Every breached incident is a colleague without a working service past "
        "the time we promised; breaches also cost the service credits in two contracts.",
        expected_benefit="70 % of incidents resolved within SLA, and the level held.",
        process="incident",
        owner=owner,
        goals=[goal],
        priority=2,
        starts_on=dt.date(2016, 3, 1),
        due_on=dt.date(2016, 5, 31),
    )
    kpi = services.do_add_initiative_kpi(
        initiative, actor=csi, kpi_key="incident.sla_met_pct", goal=goal, target=70, warning=60
    )
    services.do_update_initiative_kpi(
        kpi,
        actor=csi,
        period_kind="day",
        breakdown="team",
        analysis_starts_on=dt.date(2016, 3, 1),
        analysis_ends_on=dt.date(2016, 4, 30),
    )
    services.do_advance_step(initiative, actor=csi)  # 1 -> 2
    services.do_assess_data(initiative, actor=csi, today=dt.date(2016, 5, 1))
    _answer_gaps(initiative, csi)
    services.do_advance_step(initiative, actor=csi)  # 2 -> 3
    kpi.refresh_from_db()
    services.do_update_initiative_kpi(kpi, actor=csi, source_description=HISTORY, schedule="hourly")
    services.do_advance_step(initiative, actor=csi)  # 3 -> 4
    services.do_add_cleaning_rule(
        kpi,
        actor=csi,
        kind="exclude",
        column="state",
        operator="eq",
        value="cancelled",
        reason="Cancelled incidents were never worked: they say nothing about resolution.",
    )
    kpi.refresh_from_db()
    services.do_update_initiative_kpi(kpi, actor=csi, processing_confirmed=True)
    services.do_advance_step(initiative, actor=csi)  # 4 -> 5
    kpi.refresh_from_db()
    services.do_update_initiative_kpi(kpi, actor=csi, change_on=dt.date(2016, 4, 1))
    kpi.refresh_from_db()
    analysis = services.do_analyse_kpi(kpi, actor=csi, today=dt.date(2016, 5, 1))
    services.do_record_baseline(kpi, actor=csi, analysis=analysis)
    services.do_advance_step(initiative, actor=csi)  # 5 -> 6
    services.do_record_decision(
        initiative,
        actor=owner,
        decision="implement",
        rationale="The breaches concentrate in a few assignment groups (see the Pareto); "
        "showing the due time in their queues and routing network incidents straight to the "
        "network team are cheap and can be live by the end of March.",
    )
    for title, due, done in (
        ("Sort every agent queue by SLA due time", dt.date(2016, 3, 25), dt.date(2016, 3, 24)),
        (
            "Route network categories straight to the network team",
            dt.date(2016, 3, 31),
            dt.date(2016, 3, 31),
        ),
    ):
        action = services.do_create_action(
            initiative, actor=csi, title=title, owner=practitioner, due_on=due
        )
        services.do_update_action(action, actor=practitioner, status="done", done_on=done)
    initiative.refresh_from_db()
    services.do_evaluate_initiative(initiative, actor=csi, today=dt.date(2016, 5, 2))
    initiative.refresh_from_db()
    services.do_open_next_cycle(initiative, actor=csi)
    return initiative


def _in_progress(owner: User, csi: User, goal: Goal) -> Initiative:
    initiative = services.do_create_initiative(
        actor=owner,
        title=IN_PROGRESS_TITLE,
        problem_statement="An incident passes through more than one team on average before "
        "someone can fix it; each hand-over adds a queue wait.",
        justification="Reassignments are the largest share of the time incidents spend "
        "waiting, and callers repeat their story to each team.",
        expected_benefit="0.7 reassignments per incident or fewer.",
        process="incident",
        owner=owner,
        goals=[goal],
        priority=3,
        starts_on=dt.date(2016, 3, 1),
        due_on=dt.date(2016, 7, 31),
    )
    kpi = services.do_add_initiative_kpi(
        initiative,
        actor=csi,
        kpi_key="incident.reassignment_mean",
        goal=goal,
        target=0.7,
        warning=0.9,
    )
    services.do_update_initiative_kpi(
        kpi,
        actor=csi,
        period_kind="week",
        breakdown="category",
        analysis_starts_on=dt.date(2016, 2, 29),
        analysis_ends_on=dt.date(2016, 6, 6),
    )
    services.do_advance_step(initiative, actor=csi)  # 1 -> 2
    services.do_assess_data(initiative, actor=csi, today=dt.date(2016, 6, 6))
    _answer_gaps(initiative, csi)
    services.do_advance_step(initiative, actor=csi)  # 2 -> 3
    kpi.refresh_from_db()
    services.do_update_initiative_kpi(kpi, actor=csi, source_description=HISTORY, schedule="hourly")
    services.do_advance_step(initiative, actor=csi)  # 3 -> 4
    kpi.refresh_from_db()
    services.do_update_initiative_kpi(kpi, actor=csi, processing_confirmed=True)
    services.do_advance_step(initiative, actor=csi)  # 4 -> 5
    kpi.refresh_from_db()
    analysis = services.do_analyse_kpi(kpi, actor=csi, today=dt.date(2016, 6, 6))
    services.do_record_baseline(kpi, actor=csi, analysis=analysis)
    services.do_advance_step(initiative, actor=csi)  # 5 -> 6: the decision is asked
    return initiative


def _answer_gaps(initiative: Initiative, csi: User) -> None:
    """The assessment of real history finds real gaps (holes in the series, small samples
    at the edges of the export); the CSI manager accepts them with a word on why."""
    for gap in initiative.gaps.filter(still_present=True, status="open"):
        services.do_update_gap(
            gap,
            actor=csi,
            status="accepted",
            action=gap.action
            or "Accepted: the export's first and last days are partial; the analysis uses "
            "whole periods in between.",
        )


def load_improvement() -> dict[str, int]:
    """Needs the imported ServiceNow history in the analytics store (the caller checks)."""
    if Initiative.objects.filter(title=COMPLETED_TITLE).exists():
        return {}
    owner = User.objects.get(username="grace.hopper")
    csi = User.objects.get(username="kenji.sato")
    practitioner = User.objects.get(username="maria.lopez")
    goals = _goals(owner)
    _completed(owner, csi, practitioner, goals["within_sla"])
    _in_progress(owner, csi, goals["first_team"])
    return {"goals": Goal.objects.count(), "improvement initiatives": Initiative.objects.count()}
