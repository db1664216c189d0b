"""The sampling rules as pure functions over plain values (the planner does the I/O).

Every invitation is drawn with a known probability: the trigger's rate, or the rate of the
first stratum (service and/or priority) the ticket falls in. Tickets excluded by a rule
(conditions, exclusions, a person's cool-down and cap) are outside the frame: their
probability is not 0 "by chance" but by design, and the figures describe the tickets in the
frame. The draw is `random() < rate` from a random source the caller passes in, so tests fix
the seed.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any


def inclusion_rate(
    rate: float, strata: Sequence[dict[str, Any]], service_id: int | None, priority: int | None
) -> float:
    """The rate of the first stratum the ticket is in (a stratum's service or priority left
    empty matches any), else the trigger's own rate."""
    for stratum in strata:
        service, wanted = stratum.get("service"), stratum.get("priority")
        if (service is None or service == service_id) and (wanted is None or wanted == priority):
            return float(stratum["rate"])
    return rate


def address_excluded(address: str, patterns: Iterable[str]) -> bool:
    """Whether `address` is one of the named addresses, or in a named "@domain"."""
    address = address.strip().lower()
    for pattern in patterns:
        if pattern.startswith("@"):
            if address.endswith(pattern):
                return True
        elif address == pattern:
            return True
    return False


def within_limits(
    earlier: Iterable[dt.datetime],
    at: dt.datetime,
    *,
    cooldown_days: int,
    cap_count: int,
    cap_days: int,
) -> bool:
    """Whether a person last asked at the `earlier` times may be asked at `at`: no earlier
    invitation within the cool-down, and fewer than `cap_count` within `cap_days` (0: no cap)."""
    times = list(earlier)
    if cooldown_days and any(at - dt.timedelta(days=cooldown_days) < time <= at for time in times):
        return False
    if cap_count:
        since = at - dt.timedelta(days=cap_days)
        if sum(1 for time in times if since < time <= at) >= cap_count:
            return False
    return True


def send_time(earliest: dt.datetime, time_zone: str, start_hour: int, end_hour: int) -> dt.datetime:
    """The first instant at or after `earliest` inside the daily window [start_hour, end_hour)
    of the recipient's local time (in UTC). A window of 0-24 is any time."""
    if start_hour == 0 and end_hour >= 24:
        return earliest
    zone = zoneinfo.ZoneInfo(time_zone)
    local = earliest.astimezone(zone)
    if start_hour <= local.hour < end_hour:
        return earliest
    day = local.date() if local.hour < start_hour else local.date() + dt.timedelta(days=1)
    # The window opens at start_hour local time (fold=0: the first of a repeated hour).
    opens = dt.datetime.combine(day, dt.time(start_hour), tzinfo=zone)
    return opens.astimezone(dt.UTC)
