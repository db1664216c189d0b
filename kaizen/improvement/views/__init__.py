"""The continual improvement register's pages: the register, the board, an initiative and its
seven step workspaces, corrective actions, and the goal tree.

Each view: authenticate, ask kaizen.improvement.permissions (403), fetch (404), validate a form,
call one service of kaizen.improvement.services, redirect with a message; a failed form comes
back on its page with the errors beside its fields. The gates (kaizen.improvement.gates) say
what a step lacks; the views only show it.

The pages live by what they show, each view re-exported here for kaizen.improvement.urls:
`listing` (the register and the board), `initiatives` (creating, editing, the initiative
page, moving between steps), `steps` (the seven step workspaces and their forms),
`goal_tree` (the goals); `base` holds the access checks and helpers they share. (No module
is named after a view: `views.goals` is the goal tree page.)
"""

from kaizen.improvement.views.goal_tree import goal, goal_create, goal_edit, goals
from kaizen.improvement.views.initiatives import (
    advance,
    initiative,
    initiative_create,
    initiative_edit,
    return_to_step,
)
from kaizen.improvement.views.listing import board, register
from kaizen.improvement.views.steps import (
    action_add,
    action_edit,
    analyse,
    assess,
    baseline,
    decision,
    evaluate,
    gap_edit,
    kpi_add,
    kpi_edit,
    kpi_remove,
    next_cycle,
    rule_add,
    rule_remove,
    step,
)

__all__ = [
    "action_add",
    "action_edit",
    "advance",
    "analyse",
    "assess",
    "baseline",
    "board",
    "decision",
    "evaluate",
    "gap_edit",
    "goal",
    "goal_create",
    "goal_edit",
    "goals",
    "initiative",
    "initiative_create",
    "initiative_edit",
    "kpi_add",
    "kpi_edit",
    "kpi_remove",
    "next_cycle",
    "register",
    "return_to_step",
    "rule_add",
    "rule_remove",
    "step",
]
