"""The survey figures against hand-computed values (docs/surveys.md shows the same sums)."""

import pytest

from kaizen.surveys import measure
from kaizen.surveys.measure import Row


def test_wilson_matches_the_textbook_interval():
    # 8 of 10, z = 1.96: centre (0.8 + 3.8415/20) / 1.38415 = 0.71674,
    # half 1.96 * sqrt(0.016 + 0.0096037) / 1.38415 = 0.22658 -> 0.4902 to 0.9433.
    low, high = measure.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=5e-4)
    assert high == pytest.approx(0.9433, abs=5e-4)
    assert measure.wilson(0, 10)[0] == 0.0


def rows_with_weights() -> list[Row]:
    # Two answers drawn at 50 % (weight 2): 5 and 2; two at 100 % (weight 1): 4 and 1.
    return [
        Row(0.5, True, True, 5),
        Row(0.5, True, True, 2),
        Row(1.0, True, True, 4),
        Row(1.0, True, True, 1),
    ]


def test_weighted_csat_uses_inverse_probabilities_and_kish_n():
    share = measure.csat(rows_with_weights())
    # (2·1 + 2·0 + 1·1 + 1·0) / 6 = 0.5; n_eff = 6² / (4+4+1+1) = 3.6.
    assert share.value == pytest.approx(0.5)
    assert share.n == 4 and share.n_eff == pytest.approx(3.6)
    # Wilson on 1.8 of 3.6: centre 0.5, half 1.96·sqrt(0.069444 + 0.074103)/2.06708 = 0.35924.
    assert share.low == pytest.approx(0.1408, abs=5e-4)
    assert share.high == pytest.approx(0.8592, abs=5e-4)
    # The unweighted share would be 2/4 too here, but the mean differs: (2·5+2·2+4+1)/6.
    assert measure.mean_score(rows_with_weights()).value == pytest.approx(19 / 6)
    dissatisfied = measure.dissatisfied(rows_with_weights())
    assert dissatisfied.value == pytest.approx(3 / 6)  # 2 (weight 2) and 1 (weight 1)


def test_the_response_rate_is_rr1_over_the_invitations_fielded():
    rows = [Row(1, True, True, 4)] * 3 + [Row(1, True, False)] * 7 + [Row(1, False, False)]
    rate = measure.response_rate(rows)
    assert rate.value == pytest.approx(0.3) and rate.n == 10


def test_nps_is_promoters_less_detractors():
    rows = [Row(1, True, True, score) for score in (10, 9, 8, 7, 6, 0)]
    assert measure.nps(rows) == (pytest.approx(0.0), 6)
    weighted = rows + [Row(0.5, True, True, 10)]  # one more promoter, weight 2: 4 of 8
    assert measure.nps(weighted)[0] == pytest.approx(100 * (4 - 2) / 8)


def test_non_response_comparison_on_a_hand_made_example_says_csat_is_overstated():
    # Respondents: 20 tickets, 2 breached (rated 1 and 2), 18 met (rated 5).
    respondents = [
        Row(1, True, True, 1, sla_breached=True),
        Row(1, True, True, 2, sla_breached=True),
    ]
    respondents += [Row(1, True, True, 5, sla_breached=False)] * 18
    # Non-respondents: 20 tickets, 12 breached.
    silent = [Row(1, True, False, sla_breached=True)] * 12
    silent += [Row(1, True, False, sla_breached=False)] * 8
    comparisons = {c.measure: c for c in measure.compare(respondents + silent)}
    sla = comparisons["SLA breached"]
    assert (sla.respondents, sla.non_respondents) == (10.0, 60.0)
    # Pooled 14/40: se = sqrt(.35·.65·(1/20+1/20)) = 0.1508; z = 0.5/0.1508 = 3.3 > 1.96.
    assert sla.differs
    assert (sla.csat_if_present, sla.csat_if_absent) == (0.0, 100.0)
    sentence = measure.bias_sentence(list(comparisons.values()))
    assert sentence.startswith("CSAT is likely overstated (the unhappier tickets answered less)")
    assert "sla breached: 10 % of respondents' tickets vs 60 % of non-respondents'" in sentence


def test_no_difference_says_so():
    rows = [Row(1, True, True, 5, sla_breached=False)] * 5
    rows += [Row(1, True, False, sla_breached=False)] * 5
    sentence = measure.bias_sentence(measure.compare(rows))
    assert sentence.startswith("Respondents and non-respondents do not differ beyond chance")


def test_bands_of_reassignments_and_resolution_time():
    assert [
        measure.reassignment_band(Row(1, True, True, reassignment_count=n)) for n in (0, 2, 5)
    ] == [
        "0",
        "2",
        "3 or more",
    ]
    assert [
        measure.resolution_band(Row(1, True, True, resolution_minutes=m))
        for m in (30, 239, 240, 1440, 5000)
    ] == ["under 4 h", "under 4 h", "4-24 h", "1-3 days", "over 3 days"]
