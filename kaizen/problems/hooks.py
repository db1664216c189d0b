"""What the problem pages learn from the apps above them, by registration (the problems app
imports no app above it).

- The fix's effect: the analytics side registers a function that measures, for a resolved
  problem, the rate and business-hours impact of its kind of incidents before and after the
  fix (kaizen/analytics registers it); the problem page and API show what it returns.
- Moves: a listener hears each of a problem's state changes, in the move's transaction, after
  its journal event (e.g. the improvement register following a problem an action fixes).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kaizen.problems.models import Problem


@dataclass(frozen=True)
class FixEffect:
    """The before/after comparison of a resolved problem's incidents, in words and figures."""

    summary: str  # one sentence a person reads first
    verdict: str  # "reduced", "no_change", "increased", "too_early", "no_data"
    figures: dict[str, Any] = field(default_factory=dict)
    # The before/after chart (kaizen.analysis.charts.before_after_chart: title, inline SVG,
    # explanation), or None.
    chart: dict[str, Any] | None = None


FixEffectMeasure = Callable[[Problem], FixEffect | None]
ProblemListener = Callable[[Problem, str], None]  # (the problem as moved, its previous state)

_fix_effect: list[FixEffectMeasure] = []
_listeners: list[ProblemListener] = []


def register_fix_effect(measure: FixEffectMeasure) -> None:
    _fix_effect[:] = [measure]


def fix_effect(problem: Problem) -> FixEffect | None:
    """The registered measure's answer, or None when nothing measures it (or it is too early)."""
    return _fix_effect[0](problem) if _fix_effect else None


def register_problem_listener(listener: ProblemListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def problem_moved(problem: Problem, previous_state: str) -> None:
    for listener in _listeners:
        listener(problem, previous_state)
