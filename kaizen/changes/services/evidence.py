"""The evidence beside a change's stated risk: how the past changes most like it turned out,
and from them an estimated probability that this one goes wrong, with its interval.

Similarity, in tiers (docs/change-risk.md): the first tier with at least MIN_SIMILAR closed
changes is the evidence; when none has that many, the first tier with any. Within the tier,
the MAX_SAMPLE most recently closed changes count (recent history says more about today's
practice than a change of five years ago, and a sample of 200 already pins the estimate down).

A change *went wrong* when it failed or was backed out (FAILED_CLOSURE_CODES), or was followed
by an incident: a confirmed caused-incident link, or an incident opened on one of its services
or CIs from its actual start until KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS after its actual end
that nobody dismissed as not caused by it. Incidents are another process's records: they are
found through kaizen.catalog.ticket_sources, never imported.

The estimate is a Beta-binomial: a weak Beta prior centred on the base rate of the
BASE_WINDOW most recently closed changes (worth PRIOR_WEIGHT changes), updated with the tier's
counts; the posterior mean and its equal-tailed 90 % credible interval (scipy.stats.beta).
`as_of` evaluates everything as it was known at a moment (changes closed and incidents opened
before it), so an estimate can be recomputed later exactly as it stood then.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from scipy.stats import beta as beta_distribution

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.changes.models import (
    FAILED_CLOSURE_CODES,
    CausedIncident,
    CausedIncidentStatus,
    Change,
    ClosureCode,
    Risk,
    State,
)

MIN_SIMILAR = 10
MAX_SAMPLE = 200
LISTED = 10
BASE_WINDOW = 2000
# The prior counts as this many changes: enough to keep an estimate from 0 or 100 % after
# three changes, too little to outweigh ten real ones.
PRIOR_WEIGHT = 2.0
CREDIBILITY = 0.90

# What each stated risk means as a probability of going wrong: [from, until).
BANDS: dict[Risk, tuple[float, float]] = {
    Risk.LOW: (0.0, 0.05),
    Risk.MODERATE: (0.05, 0.15),
    Risk.HIGH: (0.15, 0.35),
    Risk.VERY_HIGH: (0.35, 1.0),
}


def band_of(probability: float) -> Risk:
    for risk, (start, end) in BANDS.items():
        if start <= probability < end:
            return risk
    return Risk.VERY_HIGH


@dataclass(frozen=True)
class Estimate:
    probability: float
    low: float
    high: float
    sample_size: int
    bad_outcomes: int
    alpha: float
    beta: float

    @property
    def in_words(self) -> str:
        """'18 % (90 % interval 9–31 %), from 42 similar changes'."""
        changes = "change" if self.sample_size == 1 else "changes"
        return (
            f"{percent(self.probability)} ({percent(CREDIBILITY)} interval "
            f"{self.low * 100:.0f}–{percent(self.high)}), "
            f"from {self.sample_size} similar {changes}"
        )


def percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def prior_rate(base_bad: int, base_total: int) -> float:
    """The base rate of all closed changes, smoothed by half a change each way so that it is
    never 0 or 1 (a Beta needs both parameters above 0) and is 50 % with no history."""
    return (base_bad + 0.5) / (base_total + 1)


def beta_binomial(bad: int, total: int, *, rate: float, weight: float = PRIOR_WEIGHT) -> Estimate:
    """Posterior of Beta(weight * rate, weight * (1 - rate)) after `bad` of `total`."""
    alpha = weight * rate + bad
    beta = weight * (1 - rate) + (total - bad)
    tail = (1 - CREDIBILITY) / 2
    low, high = beta_distribution.ppf([tail, 1 - tail], alpha, beta)
    return Estimate(
        probability=alpha / (alpha + beta),
        low=float(low),
        high=float(high),
        sample_size=total,
        bad_outcomes=bad,
        alpha=alpha,
        beta=beta,
    )


def disagreement(stated: Risk, estimate: Estimate) -> str | None:
    """In words, where the whole credible interval lies outside what the stated risk means;
    None where the evidence agrees or cannot tell."""
    start, end = BANDS[stated]
    label = stated.label.lower()
    said = (
        f"The evidence disagrees with the stated risk: stated {label}, but changes like this "
        f"one went wrong in an estimated {estimate.in_words}."
    )
    points_to = band_of(estimate.probability).label.lower()
    if estimate.low >= end:
        return (
            f"{said} Even the interval's lower end is above the {percent(end)} a {label} risk "
            f"allows; the evidence points to {points_to}."
        )
    if estimate.high < start:
        return (
            f"{said} Even the interval's upper end is below the {percent(start)} a {label} "
            f"risk starts at; the evidence points to {points_to}."
        )
    return None


# --- the outcomes of past changes, in SQL ---------------------------------------------------


def _caused_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS)


def with_outcomes(changes: QuerySet[Change], as_of: dt.datetime | None = None) -> QuerySet[Change]:
    """Annotate `failed`, `followed_by_incident` and `went_wrong` (booleans) on closed changes,
    as known at `as_of` (None: now)."""
    confirmed = CausedIncident.objects.filter(
        change=OuterRef("pk"), status=CausedIncidentStatus.CONFIRMED
    )
    if as_of is not None:
        confirmed = confirmed.filter(created_at__lt=as_of)
    followed = Q(Exists(confirmed))
    source = ticket_source("incident")
    if source is not None:
        opened = source.opened_field
        dismissed = CausedIncident.objects.filter(
            change=OuterRef(OuterRef("pk")), status=CausedIncidentStatus.DISMISSED
        ).values("incident_number")
        in_window = source.model.objects.filter(
            **{f"{opened}__gte": OuterRef("actual_start"), f"{opened}__lt": OuterRef("_until")}
        ).exclude(**{f"{source.number_field}__in": dismissed})
        if as_of is not None:
            in_window = in_window.filter(**{f"{opened}__lt": as_of})
        services = Change.services.through.objects.filter(
            change_id=OuterRef(OuterRef("pk"))
        ).values("service_id")
        cis = Change.configuration_items.through.objects.filter(
            change_id=OuterRef(OuterRef("pk"))
        ).values("configurationitem_id")
        followed |= Q(Exists(in_window.filter(**{f"{source.service_field}_id__in": services})))
        followed |= Q(Exists(in_window.filter(**{f"{source.ci_field}_id__in": cis})))
        changes = changes.annotate(
            _until=ExpressionWrapper(
                F("actual_end") + _caused_window(), output_field=DateTimeField()
            )
        )
    failed = Q(closure_code__in=FAILED_CLOSURE_CODES)
    return changes.annotate(
        failed=ExpressionWrapper(failed, output_field=BooleanField()),
        followed_by_incident=ExpressionWrapper(followed, output_field=BooleanField()),
    )


def closed_changes(as_of: dt.datetime | None = None) -> QuerySet[Change]:
    closed = Change.objects.filter(state=State.CLOSED)
    if as_of is not None:
        closed = closed.filter(closed_at__lt=as_of)
    return closed


def base_counts(as_of: dt.datetime | None = None) -> tuple[int, int]:
    """(went wrong, all) over the BASE_WINDOW most recently closed changes, for the prior:
    today's practice rather than a decade's, at a bounded cost. Counted from the closure codes
    and the confirmed incident links only: the incident-window test over so many changes would
    be the costliest query of the evidence, for a prior worth PRIOR_WEIGHT changes."""
    recent = closed_changes(as_of).order_by("-closed_at", "-pk").values("pk")[:BASE_WINDOW]
    confirmed = CausedIncident.objects.filter(
        change=OuterRef("pk"), status=CausedIncidentStatus.CONFIRMED
    )
    if as_of is not None:
        confirmed = confirmed.filter(created_at__lt=as_of)
    went_wrong = Q(closure_code__in=FAILED_CLOSURE_CODES) | Q(Exists(confirmed))
    counts = Change.objects.filter(pk__in=Subquery(recent)).aggregate(
        total=Count("pk"), bad=Count("pk", filter=went_wrong)
    )
    return counts["bad"], counts["total"]


# --- similarity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    key: str
    label: str  # "the same standard template": "changes from {label}"
    narrow: Callable[[Change, QuerySet[Change]], QuerySet[Change] | None]


def _same_template(change: Change, closed: QuerySet[Change]) -> QuerySet[Change] | None:
    if change.template_id is None:
        return None
    return closed.filter(template__key=change.template.key)


def _sharing(relation: str, column: str) -> Callable[[Change, QuerySet[Change]], QuerySet | None]:
    def narrow(change: Change, closed: QuerySet[Change]) -> QuerySet[Change] | None:
        through = getattr(Change, relation).through
        ids = [item.pk for item in getattr(change, relation).all()] if change.pk else []
        if not ids:
            return None
        return closed.filter(
            pk__in=through.objects.filter(**{f"{column}__in": ids}).values("change_id")
        )

    return narrow


def _same(*fields: str) -> Callable[[Change, QuerySet[Change]], QuerySet[Change] | None]:
    def narrow(change: Change, closed: QuerySet[Change]) -> QuerySet[Change] | None:
        values = {name: getattr(change, f"{name}_id") for name in fields}
        if any(value is None for value in values.values()):
            return None
        return closed.filter(**values)

    return narrow


TIERS = (
    Tier("template", "the same standard template", _same_template),
    Tier(
        "ci",
        "a configuration item this change affects",
        _sharing("configuration_items", "configurationitem_id"),
    ),
    Tier("service", "a service this change affects", _sharing("services", "service_id")),
    Tier("category_team", "the same category and team", _same("category", "assignment_group")),
    Tier("category", "the same category", _same("category")),
    Tier("team", "the same team", _same("assignment_group")),
)


@dataclass(frozen=True)
class SimilarChange:
    number: str
    title: str
    closed_at: dt.datetime
    closure_code: str
    failed: bool
    followed_by_incident: bool

    @property
    def outcome(self) -> str:
        label = ClosureCode(self.closure_code).label if self.closure_code else "Closed"
        if self.followed_by_incident:
            return f"{label}, followed by an incident"
        return label


@dataclass(frozen=True)
class Evidence:
    tier: Tier | None
    estimate: Estimate
    failed: int
    followed_by_incident: int
    base_rate: float
    similar: list[SimilarChange] = field(default_factory=list)

    @property
    def went_wrong(self) -> int:
        return self.estimate.bad_outcomes


def _tier_sample(change: Change, closed: QuerySet[Change]) -> tuple[Tier | None, list[int]]:
    """The first tier with MIN_SIMILAR changes (else the first with any) and its sample."""
    fallback: tuple[Tier | None, list[int]] = (None, [])
    for tier in TIERS:
        narrowed = tier.narrow(change, closed)
        if narrowed is None:
            continue
        ids = list(narrowed.order_by("-closed_at", "-pk").values_list("pk", flat=True)[:MAX_SAMPLE])
        if len(ids) >= MIN_SIMILAR:
            return tier, ids
        if ids and fallback[0] is None:
            fallback = (tier, ids)
    return fallback


def evidence_for(change: Change, *, as_of: dt.datetime | None = None) -> Evidence:
    closed = closed_changes(as_of)
    if change.pk is not None:
        closed = closed.exclude(pk=change.pk)
    tier, ids = _tier_sample(change, closed)
    rows = list(
        with_outcomes(Change.objects.filter(pk__in=ids), as_of)
        .order_by("-closed_at", "-pk")
        .values_list(
            "number", "title", "closed_at", "closure_code", "failed", "followed_by_incident"
        )
    )
    similar = [SimilarChange(*row) for row in rows]
    bad = sum(1 for row in similar if row.failed or row.followed_by_incident)
    base_bad, base_total = base_counts(as_of)
    rate = prior_rate(base_bad, base_total)
    return Evidence(
        tier=tier,
        estimate=beta_binomial(bad, len(similar), rate=rate),
        failed=sum(1 for row in similar if row.failed),
        followed_by_incident=sum(1 for row in similar if row.followed_by_incident),
        base_rate=rate,
        similar=similar[:LISTED],
    )
