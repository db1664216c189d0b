"""Which way is good for a figure: the one vocabulary for direction in Kaizen.

A KPI definition stores its direction as "higher" or "lower" (kaizen.kpis.spec re-exports
this enum, and the KPI tables and the stored analyses hold those values). The statistics also
accept NEUTRAL, a series with no good direction: their texts then say "changing" rather than
"improving" or "worsening". A KPI always has a good direction, so the KPI models offer only
the first two.
"""

from enum import StrEnum


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEUTRAL = "neutral"
