"""Every write of the improvement register: goals, initiatives walking the seven steps, each
step's outputs, the evaluation that closes a cycle and the next cycle, and starting or
dismissing an opportunity.

Each `do_*` runs in one transaction, validates its input (a ValidationError names the field),
writes, and journals the change with `record_event`: on the goal, the initiative or the
opportunity; step outputs on their initiative, with the output row's id in `data`. Step
transitions and the evaluation lock the initiative row first, so two people moving the same
initiative cannot both pass a gate on the same outputs.

Where outputs may change: the KPIs themselves in steps 1-2; their processing (period,
breakdown, range, change date, cleaning rules) up to step 5, the analysis a decision rests on
being fixed afterwards (return to an earlier step to change it); collection settings and
gaps while the initiative is open. A closed initiative (completed, not met, stopped) does not
change: the next cycle carries it on.

The writes live by sub-domain, all re-exported here (`services.do_create_goal`):
- `goals`: the goal tree, success factors, the KPIs of a goal;
- `initiatives`: registering and changing an initiative, moving it through the steps;
- `initiative_kpis` (step 1, and the collection and processing settings of steps 3-5),
  `assessment` (step 2), `cleaning_rules` (step 4), `analyses` (step 5: analyses and
  baselines), `decisions` (step 6 and the shared report), `actions` (step 7);
- `evaluation`: the evaluation that closes a cycle, and the next cycle;
- `opportunities`: the scan that records what the detectors find, starting an initiative
  from an opportunity, or dismissing it;
- `base`: the checks and the row lock they share.
"""

from kaizen.improvement.services.actions import (
    ACTION_FIELDS,
    ACTION_PROGRESS_FIELDS,
    FINISHED_ACTIONS,
    do_create_action,
    do_update_action,
)
from kaizen.improvement.services.analyses import do_analyse_kpi, do_record_baseline
from kaizen.improvement.services.assessment import GAP_FIELDS, do_assess_data, do_update_gap
from kaizen.improvement.services.base import LAST_PROCESSING_STEP
from kaizen.improvement.services.cleaning_rules import do_add_cleaning_rule, do_remove_cleaning_rule
from kaizen.improvement.services.decisions import (
    do_record_decision,
    do_share_report,
    do_unshare_report,
)
from kaizen.improvement.services.evaluation import (
    CLOSED_STATUSES,
    CYCLE_SUFFIX,
    do_evaluate_initiative,
    do_open_next_cycle,
)
from kaizen.improvement.services.goals import (
    GOAL_FIELDS,
    do_add_success_factor,
    do_attach_goal_kpi,
    do_create_goal,
    do_detach_goal_kpi,
    do_update_goal,
)
from kaizen.improvement.services.initiative_kpis import (
    KPI_CHOICE_FIELDS,
    KPI_COLLECTION_FIELDS,
    KPI_FIELDS,
    KPI_PROCESSING_FIELDS,
    LAST_KPI_STEP,
    do_add_initiative_kpi,
    do_remove_initiative_kpi,
    do_update_initiative_kpi,
)
from kaizen.improvement.services.initiatives import (
    INITIATIVE_EDITABLE,
    INITIATIVE_FIELDS,
    default_gate_mode,
    do_advance_step,
    do_create_initiative,
    do_return_to_step,
    do_update_initiative,
)
from kaizen.improvement.services.opportunities import (
    OPPORTUNITY_PROCESSES,
    do_dismiss_opportunity,
    do_record_opportunity,
    do_scan_opportunities,
    do_start_initiative_from_opportunity,
)

__all__ = [
    "ACTION_FIELDS",
    "ACTION_PROGRESS_FIELDS",
    "CLOSED_STATUSES",
    "CYCLE_SUFFIX",
    "FINISHED_ACTIONS",
    "GAP_FIELDS",
    "GOAL_FIELDS",
    "INITIATIVE_EDITABLE",
    "INITIATIVE_FIELDS",
    "KPI_CHOICE_FIELDS",
    "KPI_COLLECTION_FIELDS",
    "KPI_FIELDS",
    "KPI_PROCESSING_FIELDS",
    "LAST_KPI_STEP",
    "LAST_PROCESSING_STEP",
    "OPPORTUNITY_PROCESSES",
    "default_gate_mode",
    "do_add_cleaning_rule",
    "do_add_initiative_kpi",
    "do_add_success_factor",
    "do_advance_step",
    "do_analyse_kpi",
    "do_assess_data",
    "do_attach_goal_kpi",
    "do_create_action",
    "do_create_goal",
    "do_create_initiative",
    "do_detach_goal_kpi",
    "do_dismiss_opportunity",
    "do_evaluate_initiative",
    "do_open_next_cycle",
    "do_record_baseline",
    "do_record_decision",
    "do_record_opportunity",
    "do_remove_cleaning_rule",
    "do_remove_initiative_kpi",
    "do_return_to_step",
    "do_scan_opportunities",
    "do_share_report",
    "do_start_initiative_from_opportunity",
    "do_unshare_report",
    "do_update_action",
    "do_update_gap",
    "do_update_goal",
    "do_update_initiative",
    "do_update_initiative_kpi",
]
