"""How the analytics app's events read (kaizen/journal/presenting.py): an accepted problem risk
due for review, with what its incidents cost since (kaizen/analytics/problem_review.py)."""

import datetime as dt

from kaizen.core.times import local_text
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, register_event_shape

register_event_shape(
    EventType.PROBLEM_RISK_REVIEW_DUE,
    keys={
        "review_on": Key("Review due on", text=lambda day: local_text(dt.date.fromisoformat(day))),
        "incidents": Key("Incidents since the risk was accepted"),
        "business_hours": Key("Business hours to resolve them", text=lambda hours: f"{hours:g}"),
    },
)
