"""The statistics behind step 5 ("Analyse"), checked against published worked examples and
hand-computed figures, never against a re-run of the same scipy call."""

import json
import math
from itertools import combinations

import numpy as np
import pytest

from kaizen.analysis.direction import Direction
from kaizen.analysis.stats import baseline, before_after, control_chart, pareto, trend

HIGHER, LOWER, NEUTRAL = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER, Direction.NEUTRAL

# Montgomery, D. C., "Introduction to Statistical Quality Control" (Wiley), the individuals
# (XmR) chart example on the viscosity of an aircraft primer paint, 15 batches. Published:
# x-bar = 33.52, MR-bar = 0.48, UCL = 34.80, LCL = 32.24, MR chart UCL = 1.57; in control.
PRIMER_VISCOSITY = [
    33.75, 33.05, 34.00, 33.81, 33.46, 34.02, 33.68, 33.27,
    33.49, 33.20, 33.62, 33.00, 33.54, 33.12, 33.84,
]  # fmt: skip

# A quiet baseline for the run-rule tests: 20 points alternating 11, 9 (ending on 9, below the
# centre). By hand: centre 10, MR-bar 2 (19 moving ranges of 2), sigma 2 / 1.128 = 1.7730,
# 1 sigma 8.227–11.773, 2 sigma 6.454–13.546, limits 4.681–15.319. Nothing fires on it.
QUIET = [11.0, 9.0] * 10


def json_safe(value) -> bool:
    """Only plain JSON types all the way down (numpy floats would pass json.dumps as floats,
    numpy ints and bools would not), and no NaN or infinity."""
    if isinstance(value, dict):
        return all(type(key) is str and json_safe(item) for key, item in value.items())
    if isinstance(value, list):
        return all(json_safe(item) for item in value)
    if type(value) is float:
        return math.isfinite(value)
    return value is None or type(value) in (int, bool, str)


def rules(chart: dict) -> list[int]:
    return [signal["rule"] for signal in chart["signals"]]


# --- baseline ------------------------------------------------------------------------------


def test_it_gives_the_t_interval_of_the_mean():
    # 1..10: mean 5.5, s = sqrt(82.5 / 9) = 3.0277, standard error 0.9574; the t-table gives
    # t(0.975, 9) = 2.262, so the 95 % interval is 5.5 ± 2.1657.
    result = baseline(list(range(1, 11)))
    half = 2.262 * math.sqrt(82.5 / 9) / math.sqrt(10)
    assert result["n"] == 10 and result["mean"] == 5.5 and result["median"] == 5.5
    assert result["std"] == pytest.approx(3.0277, abs=1e-4)
    assert result["ci_low"] == pytest.approx(5.5 - half, abs=1e-3)
    assert result["ci_high"] == pytest.approx(5.5 + half, abs=1e-3)
    assert result["confidence"] == 0.95
    assert result["explanation"].startswith("Baseline: mean 5.5 over 10 periods (95 % CI 3.3")


def test_it_has_no_interval_for_a_single_value_and_ignores_gaps():
    one = baseline([None, 12.0, None])
    assert one["n"] == 1 and one["mean"] == 12.0 and one["ci_low"] is None
    assert one["std"] is None and "at least two" in one["explanation"]
    empty = baseline([None, None])
    assert empty["n"] == 0 and empty["mean"] is None and "no baseline" in empty["explanation"]


# --- trend ---------------------------------------------------------------------------------


def test_it_reproduces_a_published_mann_kendall_example():
    # "A Mann-Kendall example (by hand)", J. Little, College of the Holy Cross
    # (mathcs.holycross.edu/~little/Montserrat/MannKendallByHand.txt): 14 values, 91 pairs,
    # 72 up, 18 down, 1 tie, S = 54, Var(S) = (14·13·33 − 2·1·9) / 18 = 332.67. tau-b is
    # S / sqrt(91 · 90) = 0.5967. The text quotes Z = (S − 1)/sqrt(V) = 2.906, one-sided
    # p = .0018; scipy (and so Kendall's tau here) uses no continuity correction and a
    # two-sided test: Z = 54 / sqrt(332.67) = 2.961, two-sided p = 0.0031 from a normal table.
    values = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7]
    result = trend(values, direction=HIGHER)
    assert result["method"] == "mann-kendall" and result["n"] == 14
    assert result["s_statistic"] == 54
    assert result["tau"] == pytest.approx(54 / math.sqrt(91 * 90), abs=1e-4)
    assert result["p_value"] == pytest.approx(0.0031, abs=1e-4)
    assert result["significant"] is True
    assert result["movement"] == "rising" and result["verdict"] == "improving"
    assert "rising" in result["explanation"] and "improving" in result["explanation"]


def test_it_matches_kendalls_exact_table_for_a_short_series():
    # 10, 15, 14, 20: S = 3 − 1 + 2 = 4 (tau = 4/6). Kendall's table of the exact null
    # distribution (Gilbert 1987, Table A18, n = 4) gives P(S ≥ 4) = 0.167 one-sided, so the
    # two-sided p-value is 0.333. Not significant: a short series proves nothing.
    result = trend([10, 15, 14, 20], direction=LOWER)
    assert result["s_statistic"] == 4
    assert result["tau"] == pytest.approx(0.667, abs=1e-3)
    assert result["p_value"] == pytest.approx(0.333, abs=1e-3)
    assert result["significant"] is False
    assert result["movement"] == "flat" and result["verdict"] == "no significant trend"


def test_it_calls_a_monotone_series_a_trend_in_the_kpis_direction():
    rising = list(range(20))
    assert trend(rising, direction=HIGHER)["verdict"] == "improving"
    worse = trend(rising, direction=LOWER)
    assert worse["verdict"] == "worsening" and worse["tau"] == 1.0 and worse["p_value"] < 1e-6
    assert trend(rising[::-1], direction=LOWER)["verdict"] == "improving"
    neutral = trend(rising[::-1], direction=NEUTRAL)
    assert neutral["movement"] == "falling" and neutral["verdict"] == "changing"
    assert worse["slope"] == 1.0 and worse["slope_low"] == 1.0 and worse["slope_high"] == 1.0


def test_it_finds_no_trend_in_seeded_noise():
    noise = np.random.default_rng(1).normal(size=60).tolist()
    result = trend(noise, direction=HIGHER)
    assert result["significant"] is False and result["p_value"] > 0.05
    assert result["movement"] == "flat" and result["verdict"] == "no significant trend"
    assert "no significant trend" in result["explanation"]


def test_it_computes_the_theil_sen_slope_and_the_regression_line():
    # y = 1, 3, 2, 5, 4 at periods 0..4. The 10 pairwise slopes sorted are −1, −1, 1/3, 1/2,
    # 3/4, 1, 1, 4/3, 2, 3: median (3/4 + 1) / 2 = 0.875; intercept median(y) − 0.875 ·
    # median(x) = 3 − 1.75 = 1.25. Least squares: Sxy = 8, Sxx = 10, Syy = 10, so slope 0.8,
    # intercept 3 − 0.8 · 2 = 1.4, r² = 64 / 100.
    result = trend([1, 3, 2, 5, 4], direction=NEUTRAL)
    assert result["slope"] == pytest.approx(0.875)
    assert result["intercept"] == pytest.approx(1.25)
    assert result["slope_low"] <= result["slope"] <= result["slope_high"]
    regression = result["regression"]
    assert regression["slope"] == pytest.approx(0.8)
    assert regression["intercept"] == pytest.approx(1.4)
    assert regression["r_squared"] == pytest.approx(0.64)
    assert 0 < regression["p_value"] < 1


def test_it_keeps_the_period_numbers_across_a_gap():
    # Period 1 was not measured: the values still rise by exactly 1 per period.
    result = trend([0, None, 2, 3, 4, 5], direction=HIGHER)
    assert result["n"] == 5 and result["slope"] == 1.0 and result["intercept"] == 0.0


def test_it_needs_four_periods_for_a_trend():
    result = trend([1, None, 2, 3], direction=HIGHER)
    assert result["n"] == 3 and result["significant"] is False and result["p_value"] is None
    assert result["verdict"] == "no significant trend"
    assert "Too few periods" in result["explanation"]


def test_it_rejects_an_unknown_direction():
    with pytest.raises(ValueError):
        trend([1, 2, 3, 4], direction="up")


# --- control chart -------------------------------------------------------------------------


def test_it_reproduces_montgomerys_individuals_chart():
    chart = control_chart(PRIMER_VISCOSITY, direction=LOWER)
    assert round(chart["centre"], 2) == 33.52
    assert round(chart["mr_bar"], 2) == 0.48
    assert round(chart["ucl"], 2) == 34.80
    assert round(chart["lcl"], 2) == 32.24
    assert round(chart["mr_ucl"], 2) == 1.57
    assert chart["signals"] == [] and chart["in_control"] is True
    assert "32.24–34.80" in chart["explanation"] and "stable" in chart["explanation"]
    assert chart["points"][0]["moving_range"] is None
    assert chart["points"][1]["moving_range"] == pytest.approx(0.70)


def test_it_flags_exactly_the_planted_point_beyond_the_limits():
    # 10 pairs of 9, 11, a 20 in the middle. By hand: centre 220 / 21 = 10.4762; moving
    # ranges 9 × 2 + 9 + 11 + 9 × 2 = 56 over 20, MR-bar 2.8; sigma 2.8 / 1.128 = 2.4823;
    # UCL 10.4762 + 7.4468 = 17.9230, LCL 3.0294; MR chart UCL 3.267 × 2.8 = 9.1476.
    values = [9.0, 11.0] * 5 + [20.0] + [9.0, 11.0] * 5
    labels = [f"2024-03-{day:02d}" for day in range(1, 22)]
    chart = control_chart(values, labels=labels, direction=LOWER)
    assert chart["centre"] == pytest.approx(10.4762, abs=1e-4)
    assert chart["mr_bar"] == pytest.approx(2.8)
    assert chart["sigma"] == pytest.approx(2.4823, abs=1e-4)
    assert chart["ucl"] == pytest.approx(17.9230, abs=1e-4)
    assert chart["lcl"] == pytest.approx(3.0294, abs=1e-4)
    assert chart["mr_ucl"] == pytest.approx(9.1476, abs=1e-4)
    assert chart["zones"]["one_sigma"] == pytest.approx([7.9939, 12.9585], abs=1e-4)
    assert chart["zones"]["two_sigma"] == pytest.approx([5.5116, 15.4408], abs=1e-4)
    assert chart["signals"] == [
        {
            "rule": 1,
            "description": "Point above the upper control limit",
            "first_index": 10,
            "last_index": 10,
            "first_label": "2024-03-11",
            "last_label": "2024-03-11",
            "side": "above",
            "adverse": True,
        }
    ]
    assert [point["index"] for point in chart["points"] if point["signals"]] == [10]
    assert chart["points"][10]["signals"] == [1] and chart["in_control"] is False
    assert "2024-03-11" in chart["explanation"] and "adverse" in chart["explanation"]


def test_it_reports_a_long_run_on_one_side_once():
    # 12 points just above the quiet baseline's centre (within 1 sigma, not monotone).
    chart = control_chart(QUIET + [10.5, 11.5] * 6, limits_from=20, direction=HIGHER)
    assert chart["centre"] == 10.0 and chart["mr_bar"] == 2.0
    assert rules(chart) == [4]
    (signal,) = chart["signals"]
    assert (signal["first_index"], signal["last_index"]) == (20, 31)
    assert signal["side"] == "above" and signal["adverse"] is False
    assert signal["description"] == "12 consecutive points above the centre line"
    assert all(4 in point["signals"] for point in chart["points"][20:])
    assert "favourable" in chart["explanation"]


def test_it_flags_a_six_point_trend_but_not_five():
    rising = [8.5, 9.0, 9.5, 10.0, 10.5, 11.0]
    chart = control_chart(QUIET + rising, limits_from=20, direction=LOWER)
    assert rules(chart) == [5]
    (signal,) = chart["signals"]
    assert (signal["first_index"], signal["last_index"]) == (20, 25)
    assert signal["side"] == "rising" and signal["adverse"] is True
    assert control_chart(QUIET + rising[1:], limits_from=20)["signals"] == []


def test_it_flags_two_of_three_beyond_two_sigma():
    # 14 lies between 2 sigma (13.546) and 3 sigma (15.319); 10 is on the centre line.
    chart = control_chart(QUIET + [10, 14, 10, 14, 10], limits_from=20, direction=LOWER)
    assert rules(chart) == [2]
    (signal,) = chart["signals"]
    assert (signal["first_index"], signal["last_index"]) == (21, 23)
    assert signal["side"] == "above" and signal["adverse"] is True
    assert [p["index"] for p in chart["points"] if p["signals"]] == [21, 23]
    # One point beyond 2 sigma is not a signal.
    assert control_chart(QUIET + [10, 14, 10, 10, 10], limits_from=20)["signals"] == []


def test_it_flags_four_of_five_beyond_one_sigma():
    # 8 lies below 1 sigma (8.227) but above 2 sigma (6.454).
    chart = control_chart(QUIET + [8, 8, 10, 8, 8], limits_from=20, direction=HIGHER)
    assert rules(chart) == [3]
    (signal,) = chart["signals"]
    assert (signal["first_index"], signal["last_index"]) == (20, 24)
    assert signal["side"] == "below" and signal["adverse"] is True
    assert [p["index"] for p in chart["points"] if p["signals"]] == [20, 21, 23, 24]
    assert control_chart(QUIET + [8, 8, 10, 10, 8], limits_from=20)["signals"] == []


def test_it_flags_nothing_on_an_in_control_series():
    chart = control_chart(QUIET, direction=LOWER)
    assert chart["signals"] == [] and chart["in_control"] is True
    assert all(point["signals"] == [] for point in chart["points"])


def test_it_judges_a_shifted_phase_against_the_baseline_limits():
    shifted = QUIET + [16.0] * 10
    judged = control_chart(shifted, limits_from=20, direction=LOWER)
    assert judged["centre"] == 10.0 and judged["ucl"] == pytest.approx(10 + 3 * 2 / 1.128)
    beyond = [s for s in judged["signals"] if s["rule"] == 1]
    assert [s["first_index"] for s in beyond] == list(range(20, 30))
    assert all(s["adverse"] is True for s in judged["signals"])
    assert sorted(set(rules(judged))) == [1, 2, 3, 4]
    assert "set on the first 20 periods" in judged["explanation"]
    # Limits from all 30 points absorb the shift: centre 12, MR-bar 45 / 29, UCL 16.13.
    pooled = control_chart(shifted, direction=LOWER)
    assert pooled["centre"] == 12.0 and pooled["mr_bar"] == pytest.approx(45 / 29)
    assert 1 not in rules(pooled)


def test_it_drops_gaps_with_their_labels():
    chart = control_chart([11.0, None, 9.0, 11.0], labels=["Mon", "Tue", "Wed", "Thu"])
    assert [(p["index"], p["label"], p["moving_range"]) for p in chart["points"]] == [
        (0, "Mon", None),
        (2, "Wed", 2.0),
        (3, "Thu", 2.0),
    ]
    assert chart["n"] == 3 and chart["mr_bar"] == 2.0


def test_it_draws_no_limits_without_two_values():
    chart = control_chart([None, 5.0])
    assert chart["n"] == 1 and chart["ucl"] is None and chart["centre"] is None
    assert chart["signals"] == [] and chart["in_control"] is None
    assert "at least two" in chart["explanation"]
    baseline_too_short = control_chart([5.0, 6.0, 7.0], limits_from=1)
    assert (
        baseline_too_short["ucl"] is None
        and "baseline phase" in (baseline_too_short["explanation"])
    )
    with pytest.raises(ValueError):
        control_chart([1.0, 2.0], labels=["only one"])


# --- pareto --------------------------------------------------------------------------------


def test_it_ranks_categories_and_marks_the_vital_few():
    result = pareto(
        {"VPN": 11, "Network": 50, "Printers": 9, "Email": 20, "Other": 10, "Zero": 0, "Neg": -3}
    )
    assert result["total"] == 100.0
    assert [item["label"] for item in result["items"]] == [
        "Network",
        "Email",
        "VPN",
        "Other",
        "Printers",
    ]
    assert [item["cumulative_share"] for item in result["items"]] == pytest.approx(
        [0.50, 0.70, 0.81, 0.91, 1.00]
    )
    assert [item["share"] for item in result["items"]] == pytest.approx([0.5, 0.2, 0.11, 0.1, 0.09])
    assert [item["vital_few"] for item in result["items"]] == [True, True, True, False, False]
    assert result["vital_few_count"] == 3 and result["cutoff"] == 0.8
    assert result["explanation"] == "3 of 5 categories make 81 % of the total: Network, Email, VPN."


def test_it_includes_the_item_that_reaches_the_cutoff_and_breaks_ties_by_label():
    result = pareto({"b": 1, "x": 8, "a": 1})
    assert [item["label"] for item in result["items"]] == ["x", "a", "b"]
    assert [item["vital_few"] for item in result["items"]] == [True, False, False]
    assert result["explanation"].startswith("1 of 3 categories makes 80 % of the total: x.")
    halves = pareto({"A": 50, "B": 30, "C": 20}, cutoff=0.8)
    assert [item["vital_few"] for item in halves["items"]] == [True, True, False]


def test_it_names_what_it_ranks():
    result = pareto({"Network": 8, "Desk": 1, "Apps": 1}, noun=("team", "teams"))
    assert result["explanation"].startswith("1 of 3 teams makes 80 % of the total: Network.")


def test_it_has_nothing_to_rank_without_positive_values():
    for contributions in ({}, {"a": 0, "b": -1, "c": None}):
        result = pareto(contributions)
        assert result["items"] == [] and result["total"] == 0 and result["vital_few_count"] == 0
        assert "Nothing to rank" in result["explanation"]


# --- before / after ------------------------------------------------------------------------


def test_it_reproduces_the_tortoise_and_hare_mann_whitney_example():
    # Wikipedia, "Mann–Whitney U test", section "Illustration of calculation methods": finishing
    # order T H H H H H T T T T T H (6 tortoises, 6 hares). Published: U_T = 11, U_H = 25,
    # U_T + U_H = 36 = 6 × 6; the table's two-sided 5 % critical value for n1 = n2 = 6 is 5,
    # so U = 11 is not significant. Finishing places as times, tortoises "before".
    tortoises, hares = [1, 7, 8, 9, 10, 11], [2, 3, 4, 5, 6, 12]
    result = before_after(tortoises, hares, direction=LOWER)
    # Our U is the before sample's: pairs where the tortoise is slower = hares beating
    # tortoises = U_H.
    assert result["u_statistic"] == 25
    assert 6 * 6 - result["u_statistic"] == 11
    # The exact two-sided p-value, counted by hand over all C(12, 6) = 924 orders: 143 orders
    # have U ≤ 11, p = 2 · 143 / 924 = 0.3095.
    low = sum(
        sum(t < h for t in chosen for h in set(range(12)) - set(chosen)) <= 11
        for chosen in combinations(range(12), 6)
    )
    assert low == 143
    assert result["p_value"] == pytest.approx(2 * 143 / 924)
    assert result["significant"] is False and result["outcome"] == "no significant change"
    # Rank-biserial 1 − 2 · 25 / 36 = −0.389: hares (after) tend to finish earlier.
    assert result["effect_size"] == pytest.approx(1 - 50 / 36)
    assert result["probability_after_greater"] == pytest.approx(11 / 36)


def test_it_reproduces_shiers_diabetes_age_example():
    # R. Shier, "Statistics: 2.3 The Mann-Whitney U Test", Mathematics Learning Support
    # Centre, 2004: age at diagnosis, males 19 22 16 29 24, females 20 11 17 12. Published:
    # U_M = 17, U_F = 3, exact two-sided p = 0.11; not significant.
    result = before_after([19, 22, 16, 29, 24], [20, 11, 17, 12], direction=NEUTRAL)
    assert result["u_statistic"] == 17
    assert 5 * 4 - result["u_statistic"] == 3
    assert round(result["p_value"], 2) == 0.11
    assert result["outcome"] == "no significant change"
    assert result["median_before"] == 22 and result["median_after"] == 14.5
    assert result["difference"] == -7.5


@pytest.mark.parametrize(
    ("direction", "after_mean", "outcome"),
    [
        (LOWER, 10, "improved"),
        (HIGHER, 10, "worsened"),
        (HIGHER, 18, "improved"),
        (LOWER, 18, "worsened"),
        (NEUTRAL, 18, "changed"),
    ],
)
def test_it_sees_a_clear_change_in_the_kpis_direction(direction, after_mean, outcome):
    rng = np.random.default_rng(3)
    before, after = rng.normal(14, 2, 120).tolist(), rng.normal(after_mean, 2, 120).tolist()
    result = before_after(before, after, direction=direction)
    assert result["outcome"] == outcome and result["significant"] is True
    assert result["p_value"] < 0.001
    if after_mean < 14:
        assert result["ci_low"] < result["difference"] < result["ci_high"] < 0
        assert result["effect_size"] < 0 and result["probability_after_greater"] < 0.5
        assert "fell" in result["explanation"]
    else:
        assert 0 < result["ci_low"] < result["difference"] < result["ci_high"]
        assert result["effect_size"] > 0 and result["probability_after_greater"] > 0.5
        assert "rose" in result["explanation"]
    assert "p < 0.001" in result["explanation"]


def test_it_sees_no_change_between_identical_distributions():
    same = [3.0, 5.0, 4.0, 6.0, 5.0, 4.0, 7.0, 5.0]
    result = before_after(same, list(same), direction=LOWER)
    assert result["outcome"] == "no significant change" and result["p_value"] == 1.0
    assert result["difference"] == 0 and result["effect_size"] == 0
    assert result["probability_after_greater"] == 0.5
    assert result["ci_low"] <= 0 <= result["ci_high"]
    rng = np.random.default_rng(0)
    drawn = before_after(
        rng.normal(10, 2, 100).tolist(), rng.normal(10, 2, 100).tolist(), direction=NEUTRAL
    )
    assert drawn["outcome"] == "no significant change"
    assert drawn["ci_low"] < 0 < drawn["ci_high"]
    assert "could well be chance" in drawn["explanation"]


def test_it_bootstraps_reproducibly_from_the_seed():
    rng = np.random.default_rng(5)
    before, after = rng.exponential(10, 60).tolist(), rng.exponential(8, 60).tolist()
    first = before_after(before, after, direction=LOWER, seed=7)
    again = before_after(before, after, direction=LOWER, seed=7)
    other = before_after(before, after, direction=LOWER, seed=8)
    assert (first["ci_low"], first["ci_high"]) == (again["ci_low"], again["ci_high"])
    assert (first["ci_low"], first["ci_high"]) != (other["ci_low"], other["ci_high"])


def test_it_needs_three_values_on_each_side():
    result = before_after([1.0, None, 2.0], [3.0, 4.0, 5.0], direction=LOWER)
    assert result["n_before"] == 2 and result["n_after"] == 3
    assert result["p_value"] is None and result["ci_low"] is None
    assert result["outcome"] == "not enough data" and result["significant"] is False
    assert result["median_before"] == 1.5 and result["difference"] == 2.5
    assert "at least 3 on each side" in result["explanation"]


# --- shared behaviour ----------------------------------------------------------------------


def test_it_ignores_none_everywhere():
    assert baseline([1.0, None, 3.0])["mean"] == 2.0
    assert pareto({"a": None, "b": 2.0})["items"][0]["label"] == "b"
    result = before_after([1, 2, None, 3], [None, 4, 5, 6], direction=LOWER)
    assert (result["n_before"], result["n_after"]) == (3, 3)
    assert trend([None, 1, 2, 3, None, 4], direction=NEUTRAL)["n"] == 4


def test_it_returns_plain_json_everywhere():
    rng = np.random.default_rng(11)
    series = [*rng.normal(10, 2, 40).tolist(), None, *rng.normal(7, 2, 20).tolist()]
    results = [
        baseline(series),
        baseline([]),
        baseline([4.0]),
        trend(series, direction=LOWER),
        trend([5.0] * 6, direction=HIGHER),  # constant: no tau, no r
        trend([1.0], direction=NEUTRAL),
        control_chart(series, labels=[f"d{i}" for i in range(61)], direction=LOWER),
        control_chart(series, limits_from=40, direction=HIGHER),
        control_chart([5.0] * 10),  # zero spread
        control_chart([]),
        pareto({f"c{i}": float(i) for i in range(20)}),
        pareto({}),
        before_after(series[:40], series[41:], direction=LOWER),
        before_after([5.0] * 5, [5.0] * 5, direction=HIGHER),
        before_after([], [1.0], direction=NEUTRAL),
    ]
    for result in results:
        assert json_safe(result), result
        json.dumps(result, allow_nan=False)
        assert isinstance(result["explanation"], str) and result["explanation"]
