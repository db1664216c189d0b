"""Schedule conflicts of a change (the change calendar): what must be acknowledged before a
change is scheduled, or its plan changed while scheduled."""

from typing import Any

from django.core.exceptions import ValidationError

from kaizen.changes.models import Change


def unacknowledged_conflicts(change: Change) -> list[Any]:
    """The conflicts of the change's planned window that nobody acknowledged yet."""
    return []


def check_schedule(change: Change) -> None:
    """A change is scheduled only with a planned window and every conflict acknowledged."""
    if change.planned_start is None or change.planned_end is None:
        raise ValidationError(
            {"planned_start": "give the planned start and end before scheduling the change"}
        )
    open_conflicts = unacknowledged_conflicts(change)
    if open_conflicts:
        count = len(open_conflicts)
        raise ValidationError(
            {
                "planned_start": f"the planned window has {count} conflict"
                f"{'s' if count != 1 else ''} nobody acknowledged: acknowledge each with a "
                "reason, or move the window"
            }
        )
