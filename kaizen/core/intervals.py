"""Interval algebra on instants, shared by the change calendar (windows, conflicts) and
availability (outages within agreed service time).

An interval is (start, end) in aware datetimes, half-open: [start, end). Two intervals overlap
only when each starts before the other ends, so one ending at 04:00 and one starting at 04:00
do not overlap (but they touch, and `merged` joins them). `merged` and `weighted_segments` also
take instants as numbers (whole µs since the epoch, as availability's sweeps use them)."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

Interval = tuple[dt.datetime, dt.datetime]
Instant = TypeVar("Instant", dt.datetime, int)


def overlaps(
    start: dt.datetime, end: dt.datetime, other_start: dt.datetime, other_end: dt.datetime
) -> bool:
    return start < other_end and other_start < end


def merged(intervals: Iterable[tuple[Instant, Instant]]) -> list[tuple[Instant, Instant]]:
    """Sorted, with overlapping and touching intervals joined (Saturday 22:00-24:00 and Sunday
    00:00-06:00 are one interval from Saturday 22:00 to Sunday 06:00)."""
    result: list[tuple[Instant, Instant]] = []
    for begin, finish in sorted(intervals):
        if result and begin <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], finish))
        else:
            result.append((begin, finish))
    return result


def clipped(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The parts of `intervals` inside [start, end), in their order; empty parts dropped."""
    result = []
    for begin, finish in intervals:
        low, high = max(begin, start), min(finish, end)
        if low < high:
            result.append((low, high))
    return result


def subtracted(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """`intervals` (merged first) without the instants of `holes`: what is left, sorted."""
    remaining = merged(intervals)
    for hole_start, hole_end in merged(holes):
        next_remaining: list[Interval] = []
        for begin, finish in remaining:
            if not overlaps(begin, finish, hole_start, hole_end):
                next_remaining.append((begin, finish))
                continue
            if begin < hole_start:
                next_remaining.append((begin, hole_start))
            if hole_end < finish:
                next_remaining.append((hole_end, finish))
        remaining = next_remaining
    return remaining


def weighted_segments(
    intervals: Iterable[tuple[dt.datetime, dt.datetime, int]],
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Overlapping weighted intervals (start, end, weight) as disjoint segments, each with the
    largest weight of the intervals covering it: two outages of the same instant count once,
    and a full outage during a partial one counts in full. Sorted; segments of equal weight
    that touch are joined."""
    changes: dict[dt.datetime, list[tuple[int, int]]] = {}  # instant -> (weight, +1/-1)
    for start, end, weight in intervals:
        if start < end and weight > 0:
            changes.setdefault(start, []).append((weight, 1))
            changes.setdefault(end, []).append((weight, -1))
    active: Counter[int] = Counter()
    segments: list[tuple[dt.datetime, dt.datetime, int]] = []
    instants = sorted(changes)
    for low, high in zip(instants, instants[1:], strict=False):
        for weight, step in changes[low]:
            active[weight] += step
            if not active[weight]:
                del active[weight]
        weight = max(active, default=0)
        if weight <= 0:
            continue
        if segments and segments[-1][1] == low and segments[-1][2] == weight:
            segments[-1] = (segments[-1][0], high, weight)
        else:
            segments.append((low, high, weight))
    return segments
