"""Impact x urgency -> priority for the processes whose records are planned work (changes,
problems): the usual 3 x 3 grid folded into four priorities, with no "planning" priority of its
own. (Incidents keep their editable priority matrix: kaizen.incidents.models.PriorityMatrix.)"""

from django.db import models


class Impact(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Urgency(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"


PRIORITY_GRID: dict[tuple[int, int], int] = {
    (Impact.HIGH, Urgency.HIGH): Priority.CRITICAL,
    (Impact.HIGH, Urgency.MEDIUM): Priority.HIGH,
    (Impact.MEDIUM, Urgency.HIGH): Priority.HIGH,
    (Impact.HIGH, Urgency.LOW): Priority.MODERATE,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.MODERATE,
    (Impact.LOW, Urgency.HIGH): Priority.MODERATE,
    (Impact.MEDIUM, Urgency.LOW): Priority.LOW,
    (Impact.LOW, Urgency.MEDIUM): Priority.LOW,
    (Impact.LOW, Urgency.LOW): Priority.LOW,
}


def priority_of(impact: int, urgency: int) -> int | None:
    return PRIORITY_GRID.get((impact, urgency))


def check_impact_urgency(impact: object, urgency: object) -> dict[str, str]:
    """The errors of an impact and urgency, by field."""
    errors = {}
    if impact not in Impact.values:
        errors["impact"] = f"{impact!r} is not an impact (1, 2 or 3)"
    if urgency not in Urgency.values:
        errors["urgency"] = f"{urgency!r} is not an urgency (1, 2 or 3)"
    return errors
