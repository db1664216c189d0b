"""The survey figures as pure functions over plain rows, each with its n and a 95 % interval.

Conventions (docs/surveys.md has worked examples):
- Each invitation weighs 1 / its inclusion probability (Horvitz-Thompson). With equal
  probabilities every weight is the same and the figures are the plain ones.
- A weighted share's interval is Wilson's, computed on Kish's effective sample size
  n_eff = (Σw)² / Σw² (n itself when the weights are equal).
- CSAT is the weighted share of 4-5 answers on a 1-5 headline (and the weighted mean);
  on an NPS headline, NPS = % promoters (9-10) − % detractors (0-6).
- The response rate is AAPOR RR1: complete answers / invitations fielded (sent, answered or
  expired: everything but those still waiting to be sent). There are no partial answers (the
  headline is required), so RR1 = RR2.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Row:
    """One invitation as the figures see it."""

    probability: float
    fielded: bool
    answered: bool
    score: int | None = None
    sla_breached: bool | None = None
    reopened: bool | None = None
    resolution_minutes: int | None = None
    priority: int | None = None
    service: str = ""
    reassignment_count: int = 0

    @property
    def weight(self) -> float:
        return 1.0 / self.probability


@dataclass(frozen=True)
class Share:
    value: float | None  # 0-1
    low: float | None
    high: float | None
    n: int
    n_eff: float

    @property
    def percent(self) -> float | None:
        return None if self.value is None else 100 * self.value


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a share successes / n (n may be an effective size)."""
    if n <= 0:
        raise ValueError("no observations")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_share(pairs: Sequence[tuple[float, bool]]) -> Share:
    """(weight, yes) pairs -> the weighted share with its Wilson interval on n_eff."""
    n = len(pairs)
    if n == 0:
        return Share(None, None, None, 0, 0.0)
    total = sum(weight for weight, _ in pairs)
    squares = sum(weight * weight for weight, _ in pairs)
    yes = sum(weight for weight, flag in pairs if flag)
    share = yes / total
    n_eff = total * total / squares
    low, high = wilson(share * n_eff, n_eff)
    return Share(share, low, high, n, n_eff)


@dataclass(frozen=True)
class Mean:
    value: float | None
    low: float | None
    high: float | None
    n: int


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> Mean:
    """(weight, value) pairs -> the weighted mean with a normal interval on n_eff."""
    n = len(pairs)
    if n == 0:
        return Mean(None, None, None, 0)
    total = sum(weight for weight, _ in pairs)
    mean = sum(weight * value for weight, value in pairs) / total
    if n == 1:
        return Mean(mean, None, None, 1)
    n_eff = total * total / sum(weight * weight for weight, _ in pairs)
    variance = sum(weight * (value - mean) ** 2 for weight, value in pairs) / total
    variance *= n_eff / (n_eff - 1) if n_eff > 1 else 1
    half = Z95 * math.sqrt(variance / n_eff)
    return Mean(mean, mean - half, mean + half, n)


def csat(rows: Iterable[Row]) -> Share:
    """The weighted share of satisfied answers (4-5 of 5) among the answered."""
    return weighted_share(
        [(r.weight, r.score >= 4) for r in rows if r.answered and r.score is not None]
    )


def dissatisfied(rows: Iterable[Row]) -> Share:
    return weighted_share(
        [(r.weight, r.score <= 2) for r in rows if r.answered and r.score is not None]
    )


def mean_score(rows: Iterable[Row]) -> Mean:
    return weighted_mean(
        [(r.weight, float(r.score)) for r in rows if r.answered and r.score is not None]
    )


def nps(rows: Iterable[Row]) -> tuple[float | None, int]:
    """Weighted % promoters − % detractors of an NPS headline, and n."""
    answered = [r for r in rows if r.answered and r.score is not None]
    if not answered:
        return None, 0
    total = sum(r.weight for r in answered)
    promoters = sum(r.weight for r in answered if r.score >= 9)
    detractors = sum(r.weight for r in answered if r.score <= 6)
    return 100 * (promoters - detractors) / total, len(answered)


def response_rate(rows: Iterable[Row]) -> Share:
    """AAPOR RR1, unweighted: complete answers over the invitations fielded."""
    return weighted_share([(1.0, r.answered) for r in rows if r.fielded])


@dataclass(frozen=True)
class Comparison:
    measure: str
    respondents: float | None
    non_respondents: float | None
    unit: str  # "%" or "h"
    differs: bool  # beyond chance (two-proportion z or Mann-Whitney-free: see below)
    csat_if_present: float | None = None  # among respondents: CSAT where the trait holds
    csat_if_absent: float | None = None


def _two_proportions(a: list[bool], b: list[bool]) -> bool:
    """Whether two shares differ beyond chance (pooled two-proportion z test, |z| > 1.96)."""
    if not a or not b:
        return False
    pa, pb = sum(a) / len(a), sum(b) / len(b)
    pooled = (sum(a) + sum(b)) / (len(a) + len(b))
    se = math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    return se > 0 and abs(pa - pb) / se > Z95


def _share(flags: list[bool]) -> float | None:
    return 100 * sum(flags) / len(flags) if flags else None


def _csat_pct(rows: list[Row]) -> float | None:
    share = csat(rows)
    return share.percent


def compare(rows: Sequence[Row]) -> list[Comparison]:
    """Respondents vs non-respondents (of the invitations fielded) on what Kaizen knows of
    both, with CSAT among respondents with and without each trait (to tell the direction)."""
    fielded = [r for r in rows if r.fielded]
    yes = [r for r in fielded if r.answered]
    no = [r for r in fielded if not r.answered]
    out = []
    traits: list[tuple[str, Callable[[Row], bool | None]]] = [
        ("SLA breached", lambda r: r.sla_breached),
        ("Reopened", lambda r: r.reopened),
        ("Priority 1-2", lambda r: None if r.priority is None else r.priority <= 2),
        (
            "Resolved in over a day",
            lambda r: None if r.resolution_minutes is None else r.resolution_minutes > 24 * 60,
        ),
    ]
    for name, trait in traits:
        a = [bool(trait(r)) for r in yes if trait(r) is not None]
        b = [bool(trait(r)) for r in no if trait(r) is not None]
        out.append(
            Comparison(
                name,
                _share(a),
                _share(b),
                "%",
                _two_proportions(a, b),
                _csat_pct([r for r in yes if trait(r)]),
                _csat_pct([r for r in yes if trait(r) is False]),
            )
        )
    hours_yes = [r.resolution_minutes / 60 for r in yes if r.resolution_minutes is not None]
    hours_no = [r.resolution_minutes / 60 for r in no if r.resolution_minutes is not None]
    out.append(
        Comparison(
            "Median resolution time",
            statistics.median(hours_yes) if hours_yes else None,
            statistics.median(hours_no) if hours_no else None,
            "h",
            False,
        )
    )
    # The service mix: the largest gap in one service's share.
    services = {r.service for r in fielded}
    gaps = []
    for service in services:
        a = [r.service == service for r in yes]
        b = [r.service == service for r in no]
        if a and b:
            gaps.append((abs(sum(a) / len(a) - sum(b) / len(b)), service, a, b))
    if gaps:
        _, service, a, b = max(gaps)
        out.append(
            Comparison(
                f"Tickets on {service or 'no service'}",
                _share(a),
                _share(b),
                "%",
                _two_proportions(a, b),
            )
        )
    return out


def bias_sentence(comparisons: Sequence[Comparison]) -> str:
    """A plain sentence on the likely direction of non-response bias."""
    reasons = []
    up = down = 0
    for c in comparisons:
        if not c.differs or c.respondents is None or c.non_respondents is None:
            continue
        if c.csat_if_present is None or c.csat_if_absent is None:
            reasons.append(
                f"{c.measure.lower()} ({c.respondents:.0f} % vs {c.non_respondents:.0f} %)"
            )
            continue
        # Respondents have less of a trait that goes with lower CSAT: CSAT is overstated.
        trait_lowers = c.csat_if_present < c.csat_if_absent
        fewer = c.respondents < c.non_respondents
        if trait_lowers == fewer:
            up += 1
        else:
            down += 1
        reasons.append(
            f"{c.measure.lower()}: {c.respondents:.0f} % of respondents' tickets vs "
            f"{c.non_respondents:.0f} % of non-respondents', and respondents with it rate "
            f"{c.csat_if_present:.0f} % satisfied vs {c.csat_if_absent:.0f} % without"
        )
    if not reasons:
        return (
            "Respondents and non-respondents do not differ beyond chance on what Kaizen knows "
            "of both tickets: no sign of non-response bias (it may still differ on what Kaizen "
            "cannot see)."
        )
    if up and not down:
        direction = "CSAT is likely overstated (the unhappier tickets answered less)"
    elif down and not up:
        direction = "CSAT is likely understated (the unhappier tickets answered more)"
    else:
        direction = "CSAT is likely biased, in a direction these differences do not settle"
    return f"{direction}: " + "; ".join(reasons) + "."


def by_group(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, Share]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {group: csat(members) for group, members in groups.items()}


def reassignment_band(row: Row) -> str:
    count = row.reassignment_count
    return "3 or more" if count >= 3 else str(count)


def resolution_band(row: Row) -> str:
    minutes = row.resolution_minutes
    if minutes is None:
        return "unknown"
    if minutes < 4 * 60:
        return "under 4 h"
    if minutes < 24 * 60:
        return "4-24 h"
    if minutes < 72 * 60:
        return "1-3 days"
    return "over 3 days"


RESOLUTION_BANDS = ("under 4 h", "4-24 h", "1-3 days", "over 3 days", "unknown")
