"""SLA clocks. (Being built: the clock engine lands here.)"""

from typing import Any


def refresh_incident_clocks(incident: Any) -> None:
    """Bring the incident's SLA clocks up to date with its journal.

    Incident services call this at the end of every write, inside their transaction, after the
    journal event is recorded. It must stay the only way clocks change.
    """
