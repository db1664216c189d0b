"""The evidence beside the stated risk: the Beta-binomial estimate against hand computations,
the similarity tiers, what counts as going wrong, the disagreement message, the Brier score."""

import datetime as dt

import pytest

from kaizen.changes.models import (
    CausedIncident,
    Change,
    ChangeCategory,
    Risk,
    RiskAssessment,
)
from kaizen.changes.risk_selectors import brier_score
from kaizen.changes.services.evidence import (
    Estimate,
    beta_binomial,
    disagreement,
    evidence_for,
    prior_rate,
)
from kaizen.changes.tests.factories import T0, raise_change
from kaizen.changes.tests.risk_helpers import past_change
from kaizen.incidents.tests.helpers import make_incident
from kaizen.testing import make_ci, make_service, make_team

HOUR = dt.timedelta(hours=1)


# --- the estimate, by hand -------------------------------------------------------------------


def test_it_starts_from_a_uniform_prior_without_history_and_matches_beta_1_9_by_hand():
    # No closed change at all: the base rate is (0 + 0.5) / (0 + 1) = 0.5, so the prior worth
    # two changes is Beta(1, 1). None of 8 similar changes went wrong: Beta(1, 9), whose CDF is
    # 1 - (1 - x)^9, so its q-quantile is 1 - (1 - q)^(1/9).
    rate = prior_rate(0, 0)
    assert rate == 0.5
    estimate = beta_binomial(0, 8, rate=rate)
    assert (estimate.alpha, estimate.beta) == (1.0, 9.0)
    assert estimate.probability == pytest.approx(0.1)
    assert estimate.low == pytest.approx(1 - 0.95 ** (1 / 9))  # 0.00568
    assert estimate.high == pytest.approx(1 - 0.05 ** (1 / 9))  # 0.28314
    assert estimate.in_words == "10 % (90 % interval 1–28 %), from 8 similar changes"


def test_its_interval_holds_90_percent_of_beta_2_3_by_its_polynomial_cdf():
    # One of three went wrong on the uniform prior: Beta(2, 3), mean 2/5. Its CDF is
    # I_x(2, 3) = 6x^2 - 8x^3 + 3x^4; the bounds must sit at 5 % and 95 % of it.
    estimate = beta_binomial(1, 3, rate=0.5)
    assert estimate.probability == pytest.approx(0.4)

    def cdf(x: float) -> float:
        return 6 * x**2 - 8 * x**3 + 3 * x**4

    assert cdf(estimate.low) == pytest.approx(0.05, abs=1e-9)
    assert cdf(estimate.high) == pytest.approx(0.95, abs=1e-9)


def test_the_prior_is_the_smoothed_base_rate_worth_two_changes():
    # 3 of 9 closed changes went wrong: rate (3.5) / (10) = 0.35, prior Beta(0.7, 1.3);
    # with 7 of 42 similar: Beta(7.7, 36.3), mean 7.7 / 44 = 0.175.
    estimate = beta_binomial(7, 42, rate=prior_rate(3, 9))
    assert (estimate.alpha, estimate.beta) == pytest.approx((7.7, 36.3))
    assert estimate.probability == pytest.approx(0.175)
    assert estimate.low < 0.175 < estimate.high


# --- the disagreement ------------------------------------------------------------------------


def _estimate(probability: float, low: float, high: float, n: int = 42) -> Estimate:
    return Estimate(probability, low, high, n, round(probability * n), 1.0, 1.0)


def test_it_says_so_when_even_the_lower_end_is_above_what_the_stated_risk_allows():
    message = disagreement(Risk.LOW, _estimate(0.18, 0.09, 0.31))
    assert message == (
        "The evidence disagrees with the stated risk: stated low, but changes like this one "
        "went wrong in an estimated 18 % (90 % interval 9–31 %), from 42 similar changes. "
        "Even the interval's lower end is above the 5 % a low risk allows; the evidence "
        "points to high."
    )


def test_it_says_so_when_even_the_upper_end_is_below_where_the_stated_risk_starts():
    message = disagreement(Risk.VERY_HIGH, _estimate(0.04, 0.01, 0.09))
    assert "stated very high" in message
    assert "Even the interval's upper end is below the 35 % a very high risk starts at" in message
    assert message.endswith("the evidence points to low.")


@pytest.mark.parametrize(
    ("stated", "low", "high"),
    [
        (Risk.LOW, 0.04, 0.31),  # the interval reaches into low: cannot tell
        (Risk.MODERATE, 0.06, 0.14),  # inside moderate
        (Risk.HIGH, 0.02, 0.40),  # wide: cannot tell
    ],
)
def test_it_says_nothing_where_the_interval_overlaps_the_stated_band(stated, low, high):
    assert disagreement(stated, _estimate((low + high) / 2, low, high)) is None


# --- similar changes -------------------------------------------------------------------------


@pytest.fixture
def place(db, agent):
    """A service with a CI, a category and a team, and a new change on all of them."""
    service, ci = make_service(name="Payroll"), make_ci(name="payroll-db")
    category = ChangeCategory.objects.create(name="Database")
    team = make_team("DBA", members=[agent])
    change = raise_change(
        agent, services_=[service], cis=[ci], category=category, assignment_group=team
    )
    return {"service": service, "ci": ci, "category": category, "team": team, "change": change}


def test_it_takes_the_first_tier_with_ten_changes_and_the_most_recent_first(agent, place):
    for day in range(10):
        past_change(agent, services=[place["service"]], ended=T0 - (day + 2) * 24 * HOUR)
    # Nine on the CI are fewer than ten: the service's ten are the evidence.
    for _ in range(9):
        past_change(agent, cis=[place["ci"]])
    found = evidence_for(place["change"], as_of=T0)
    assert found.tier.key == "service"
    assert found.estimate.sample_size == 10
    assert [row.closed_at for row in found.similar] == sorted(
        (row.closed_at for row in found.similar), reverse=True
    )


def test_the_ci_tier_comes_before_the_service_and_the_category_before_the_team(agent, place):
    for _ in range(10):
        past_change(agent, cis=[place["ci"]])
        past_change(agent, services=[place["service"]])
    assert evidence_for(place["change"], as_of=T0).tier.key == "ci"
    other = raise_change(agent, category=place["category"], assignment_group=place["team"])
    for _ in range(10):
        past_change(agent, category=place["category"])
        past_change(agent, assignment_group=place["team"])
    assert evidence_for(other, as_of=T0).tier.key == "category"
    for _ in range(10):
        past_change(agent, category=place["category"], assignment_group=place["team"])
    assert evidence_for(other, as_of=T0).tier.key == "category_team"


def test_without_ten_anywhere_it_takes_the_first_tier_with_any(agent, place):
    past_change(agent, services=[place["service"]])
    for _ in range(3):
        past_change(agent, category=place["category"])
    found = evidence_for(place["change"], as_of=T0)
    assert (found.tier.key, found.estimate.sample_size) == ("service", 1)


def test_without_any_similar_change_the_estimate_is_the_prior(agent, place):
    found = evidence_for(place["change"], as_of=T0)
    assert found.tier is None
    assert found.estimate.sample_size == 0
    assert found.estimate.probability == pytest.approx(0.5)


def test_the_same_template_comes_first_across_its_versions(agent, change_manager):
    from kaizen.changes import services
    from kaizen.changes.tests.factories import approved_template

    first = approved_template(agent, change_manager)
    second = services.do_propose_template(
        actor=agent, revises=first, at=T0 - 20 * 24 * HOUR, **_template_fields(first)
    )
    second = services.do_decide_template(second, approve=True, actor=change_manager)
    change = services.do_raise_change(
        actor=agent, at=T0, change_type="standard", template=second, title="Restart"
    )
    for _ in range(10):
        past_change(agent, template=first)
    for _ in range(10):
        past_change(agent, services=list(change.services.all()))
    found = evidence_for(change, as_of=T0)
    assert (found.tier.key, found.estimate.sample_size) == ("template", 10)


def _template_fields(template):
    return {
        "name": template.name,
        "implementation_plan": template.implementation_plan,
        "backout_plan": template.backout_plan,
    }


# --- what went wrong -------------------------------------------------------------------------


def test_it_counts_failures_back_outs_and_incidents_in_the_window_not_others(
    agent, place, settings
):
    settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS = 72
    service, ci = place["service"], place["ci"]
    ended = T0 - 30 * 24 * HOUR
    past_change(agent, services=[service], closure_code="failed", ended=ended - 90 * 24 * HOUR)
    past_change(agent, services=[service], closure_code="backed_out", ended=ended - 100 * 24 * HOUR)
    in_window = past_change(agent, services=[service], ended=ended)
    make_incident(service=service, at=ended + 71 * HOUR)
    on_ci = past_change(agent, cis=[ci], services=[service], ended=ended - 10 * 24 * HOUR)
    make_incident(configuration_item=ci, at=ended - 10 * 24 * HOUR + HOUR)
    # After the window, on another service, and one a person dismissed: not counted.
    late = past_change(agent, services=[service], ended=ended - 20 * 24 * HOUR)
    make_incident(service=service, at=ended - 20 * 24 * HOUR + 73 * HOUR)
    past_change(agent, services=[service], ended=ended - 40 * 24 * HOUR)
    make_incident(service=make_service(), at=ended - 40 * 24 * HOUR + HOUR)
    dismissed = past_change(agent, services=[service], ended=ended - 50 * 24 * HOUR)
    incident = make_incident(service=service, at=ended - 50 * 24 * HOUR + HOUR)
    _link(dismissed, incident.number, "dismissed")
    # A link a person confirmed counts whenever the incident was opened.
    confirmed = past_change(agent, services=[service], ended=ended - 60 * 24 * HOUR)
    _link(confirmed, make_incident(at=T0 - HOUR).number, "confirmed")
    past_change(agent, services=[service], ended=ended - 70 * 24 * HOUR)
    past_change(agent, services=[service], ended=ended - 80 * 24 * HOUR)

    found = evidence_for(place["change"], as_of=T0)
    assert found.estimate.sample_size == 10
    assert found.failed == 2
    assert found.followed_by_incident == 3  # in_window, on_ci, confirmed
    assert found.went_wrong == 5
    outcomes = {row.number: row.followed_by_incident for row in found.similar}
    assert outcomes[in_window.number] and outcomes[on_ci.number] and outcomes[confirmed.number]
    assert not outcomes[late.number] and not outcomes[dismissed.number]
    # The prior's base rate counts closure codes and confirmed links only: 3 of 10.
    assert found.base_rate == pytest.approx(3.5 / 11)


def _link(change: Change, number: str, status: str) -> None:
    CausedIncident.objects.create(
        change=change, incident_number=number, status=status, created_at=T0 - 2 * HOUR
    )


def test_as_of_leaves_out_what_was_not_known_yet(agent, place):
    service = place["service"]
    ended = T0 - 10 * 24 * HOUR  # closed a day later
    past_change(agent, services=[service], ended=ended)
    make_incident(service=service, at=ended + 30 * HOUR)
    assert evidence_for(place["change"], as_of=ended + 12 * HOUR).estimate.sample_size == 0
    before_incident = evidence_for(place["change"], as_of=ended + 26 * HOUR)
    assert (before_incident.estimate.sample_size, before_incident.followed_by_incident) == (1, 0)
    after_incident = evidence_for(place["change"], as_of=ended + 31 * HOUR)
    assert after_incident.followed_by_incident == 1


# --- the Brier score -------------------------------------------------------------------------


def test_the_brier_score_is_the_mean_squared_error_of_the_recorded_estimates(agent):
    # Estimates 0.1 (went fine), 0.2 (failed), 0.6 (went fine), and one not assessed:
    # ((0.1 - 0)^2 + (0.2 - 1)^2 + (0.6 - 0)^2) / 3 = (0.01 + 0.64 + 0.36) / 3 = 0.336667.
    rows = [(0.1, "successful"), (0.2, "failed"), (0.6, "successful_with_issues")]
    for probability, code in rows:
        change = past_change(agent, closure_code=code)
        RiskAssessment.objects.create(
            change=change,
            stated_risk=Risk.LOW,
            probability=probability,
            interval_low=0,
            interval_high=1,
            sample_size=5,
            bad_outcomes=1,
            tier="service",
            assessed_at=change.authorised_at,
        )
    past_change(agent, closure_code="failed")
    result = brier_score(Change.objects.all())
    assert result.changes == 3
    assert result.score == pytest.approx(1.01 / 3)
    assert brier_score(Change.objects.none()) is None
