"""A problem's "kind" of incidents, and the windows its fix is judged over: shared by the
problem facts (`incidents_before`, `incidents_after`, `incidents_avoided`, read from the
database) and the fix's effect on the problem page (read from the incident facts), so both
count the same incidents.

An incident is of a problem's kind when it is not cancelled and
- it is on one of the problem's services or configuration items (when the problem names
  any), and
- it has the problem's category (when the problem has one).
A problem that names no service, CI or category has no kind: nothing is counted for it.

The fix is judged over equal windows of whole weeks either side of `resolved_at`: the
incidents opened in [resolved_at - W, resolved_at) against those opened in
[resolved_at, resolved_at + W). The KPI waits for the full FIX_WINDOW after resolution; the
problem page compares as soon as MIN_WINDOW has passed, over the weeks passed so far.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

FIX_WINDOW_WEEKS = 8
MIN_WINDOW_WEEKS = 4
FIX_WINDOW = dt.timedelta(weeks=FIX_WINDOW_WEEKS)
# Closure codes under which a resolved problem counts as fixed: none yet (resolved, not yet
# closed) or "fixed". Duplicates, cancelled and risk-accepted problems removed no cause.
FIXED_CODES = ("", "fixed")


@dataclass(frozen=True)
class ProblemKind:
    services: tuple[str, ...] = ()  # names
    cis: tuple[str, ...] = ()  # names
    category: str = ""

    @property
    def defined(self) -> bool:
        return bool(self.services or self.cis or self.category)

    def describe(self) -> str:
        """In words: "incidents on Mail or mail-01 in the category Email"."""
        scope = [*self.services, *self.cis]
        parts = ["incidents"]
        if scope:
            parts.append("on " + _either(scope))
        if self.category:
            parts.append(f"in the category {self.category}")
        return " ".join(parts)

    def sql(self) -> tuple[str, list]:
        """The condition over incident_facts (DuckDB), with its parameters."""
        conditions = ["state <> 'cancelled'"]
        parameters: list = []
        scope = []
        if self.services:
            scope.append("list_contains(?, service)")
            parameters.append(list(self.services))
        if self.cis:
            scope.append("list_contains(?, ci)")
            parameters.append(list(self.cis))
        if scope:
            conditions.append("(" + " OR ".join(scope) + ")")
        if self.category:
            conditions.append("category = ?")
            parameters.append(self.category)
        return " AND ".join(conditions), parameters


def kind_q(service_ids: set[int], ci_ids: set[int], category: str) -> Q:
    """The same condition over kaizen.incidents.models.Incident, by the records' ids."""
    condition = ~Q(state="cancelled")
    scope = Q()
    if service_ids:
        scope |= Q(service_id__in=service_ids)
    if ci_ids:
        scope |= Q(configuration_item_id__in=ci_ids)
    if service_ids or ci_ids:
        condition &= scope
    if category:
        condition &= Q(category__name=category)
    return condition


def _either(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" or {names[-1]}"
