"""Priority: derived from impact and urgency through the configurable priority matrix."""

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.incidents.models import Impact, Priority, PriorityMatrix, Urgency
from kaizen.incidents.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User

Cell = tuple[int, int]


def priority_for(impact: int, urgency: int) -> int:
    priority = (
        PriorityMatrix.objects.filter(impact=impact, urgency=urgency)
        .values_list("priority", flat=True)
        .first()
    )
    if priority is None:
        raise ValidationError(
            {"impact": f"the priority matrix has no cell for impact {impact}, urgency {urgency}"}
        )
    return priority


def matrix_cells() -> dict[Cell, int]:
    return {
        (impact, urgency): priority
        for impact, urgency, priority in PriorityMatrix.objects.values_list(
            "impact", "urgency", "priority"
        )
    }


def _check_cells(cells: Mapping[Cell, int]) -> None:
    for (impact, urgency), priority in cells.items():
        label = f"impact {impact}, urgency {urgency}"
        if impact not in Impact.values or urgency not in Urgency.values:
            raise ValidationError({"cells": f"{label} is not a cell of the matrix (1 to 3 each)"})
        if priority not in Priority.values:
            raise ValidationError({"cells": f"{label}: priority must be 1 to 5, not {priority}"})


@transaction.atomic
def do_update_priority_matrix(
    cells: Mapping[Cell, int], *, actor: User | None, at: dt.datetime | None = None
) -> list[PriorityMatrix]:
    """Set the priority of the given (impact, urgency) cells; one journal event per changed
    cell. Incidents keep their priority until their impact or urgency next changes."""
    _check_cells(cells)
    at = moment(at)
    rows = {
        (row.impact, row.urgency): row
        for row in PriorityMatrix.objects.select_for_update().order_by("impact", "urgency")
    }
    changed = []
    for cell, priority in sorted(cells.items()):
        row = rows.get(cell) or PriorityMatrix(impact=cell[0], urgency=cell[1], priority=0)
        if row.priority == priority:
            continue
        old = row.priority or None
        row.priority = priority
        row.save()
        record_event(
            EventType.PRIORITY_MATRIX_CHANGED,
            row,
            actor=actor,
            changes={"priority": {"old": old, "new": priority}},
            data={"impact": cell[0], "urgency": cell[1]},
            occurred_at=at,
        )
        changed.append(row)
    return changed
