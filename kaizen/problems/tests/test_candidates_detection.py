"""The candidate tests as pure functions over hand-made incident rows: a spike that must be
found, noise that must not, the multiple-testing guard, and clusters of similar descriptions."""

import datetime as dt
import math

from kaizen.problems import detection

NOW = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
OPTIONS = {"window_days": 7, "history_days": 84, "min_count": 5, "false_discovery_rate": 0.01}


def history(service: int, *, per_week: int, recent: int, start: int = 0) -> list[detection.Row]:
    """`per_week` incidents in each of the 12 weeks before the last 7 days, `recent` in them,
    spread over the days (at noon, so no incident sits on a window's edge)."""
    rows = []
    for week in range(1, 13):
        for index in range(per_week):
            opened = NOW - dt.timedelta(weeks=week, days=index % 7, hours=12)
            rows.append((f"H{service}-{week}-{index}", opened, service, None, "", "x"))
    for index in range(recent):
        opened = NOW - dt.timedelta(days=index % 7, hours=12)
        rows.append((f"R{service}-{index}", opened, service, None, "", "x"))
    return rows


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), from the formula."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_a_spike_is_found_with_its_expected_count_and_p_value():
    # 1 a week for 12 weeks, then 8 in the last week.
    (finding,) = detection.rate_findings(history(1, per_week=1, recent=8), now=NOW, **OPTIONS)
    assert (finding.dimension, finding.subject) == ("service", "1")
    assert finding.observed == 8
    assert finding.history_count == 12
    assert finding.expected == 1.0  # 12 incidents in 84 days: 1 per 7 days
    # If nothing changed, each of the 20 incidents fell in the last 7 of the 91 days with
    # probability 7/91 = 1/13.
    assert math.isclose(finding.p_value, binomial_tail(8, 20, 1 / 13), rel_tol=1e-9)
    assert finding.adjusted_p_value == finding.p_value  # one subject tested
    assert finding.control_limit == 4.0  # 1 + 3 x sqrt(1)
    assert finding.numbers == sorted(f"R1-{i}" for i in range(8))
    # 13 weeks on the chart: 12 of history with one incident each, then the 8.
    assert [point["count"] for point in finding.series] == [1] * 12 + [8]


def test_noise_is_not_proposed():
    # 3 a week, then 5: above the usual 3 but a 1 in 5 chance (binomial_tail(5, 41, 1/13)).
    assert binomial_tail(5, 41, 1 / 13) > 0.2
    assert detection.rate_findings(history(1, per_week=3, recent=5), now=NOW, **OPTIONS) == []
    # 4 incidents in a week on a new subject: below the minimum count, whatever the test says.
    assert detection.rate_findings(history(2, per_week=0, recent=4), now=NOW, **OPTIONS) == []


def test_many_subjects_tested_raise_the_bar():
    # 2 a week then 8: a 1 in 400 chance on its own (proposed at a 1 % false discovery rate)...
    spike = history(1, per_week=2, recent=8)
    assert math.isclose(binomial_tail(8, 32, 1 / 13), 0.0024, rel_tol=0.01)
    assert len(detection.rate_findings(spike, now=NOW, **OPTIONS)) == 1
    # ...but among ten subjects, one of ten such chances is no longer rare: 0.024 adjusted.
    flat = [row for service in range(2, 11) for row in history(service, per_week=2, recent=2)]
    assert detection.rate_findings(spike + flat, now=NOW, **OPTIONS) == []


def test_every_dimension_is_tested_and_a_row_counts_for_each():
    rows = [
        (number, opened, None, 7, "Network", text)
        for number, opened, _, _, _, text in history(1, per_week=1, recent=9)
    ]
    found = {(f.dimension, f.subject) for f in detection.rate_findings(rows, now=NOW, **OPTIONS)}
    assert found == {("ci", "7"), ("category", "Network")}


def test_a_partly_measured_first_period_is_missing_not_zero():
    # 80 days of history are not a whole number of weeks: the oldest week is partly measured.
    (finding,) = detection.rate_findings(
        history(1, per_week=1, recent=8)[-8:],
        now=NOW,
        **{**OPTIONS, "history_days": 80},
    )
    assert finding.series[0]["count"] is None
    assert [point["count"] for point in finding.series[1:]] == [0] * 11 + [8]


def cluster_rows(texts: list[tuple[str, int]]) -> list[detection.Row]:
    rows, number = [], 0
    for text, count in texts:
        for index in range(count):
            number += 1
            opened = NOW - dt.timedelta(days=number % 80, hours=index)
            rows.append(
                (
                    f"INC{number:04d}",
                    opened,
                    3 if "Outlook" in text else None,
                    None,
                    "Email",
                    f"{text} {index}" if index % 2 else text,
                )
            )
    return rows


def test_similar_descriptions_make_a_cluster_labelled_by_its_words():
    rows = cluster_rows(
        [
            ("Outlook cannot connect to the Exchange server", 4),
            ("Outlook can't connect to Exchange", 3),
            ("outlook: cannot connect to exchange server since this morning", 2),
            ("Printer on floor 3 jams", 2),
            ("VPN drops every hour", 3),
            ("Laptop screen flickers", 1),
        ]
    )
    (cluster,) = detection.text_clusters(rows, min_size=5, similarity=0.5, now=NOW)
    assert cluster.numbers == [f"INC{i:04d}" for i in range(1, 10)]  # the nine Outlook ones
    assert set(cluster.terms[:3]) == {"outlook", "connect", "exchange"}
    assert cluster.representative == "Outlook cannot connect to the Exchange server"
    assert cluster.service_id == 3 and cluster.category == "Email"
    assert sum(point["count"] or 0 for point in cluster.series) == 9


def test_too_few_alike_is_no_cluster():
    rows = cluster_rows([("VPN drops every hour", 4), ("Printer on floor 3 jams", 4)])
    assert detection.text_clusters(rows, min_size=5, similarity=0.5, now=NOW) == []


def test_p_values_in_words():
    assert detection.p_value_words(0.0123) == "0.012"
    assert detection.p_value_words(0.0004) == "1 in 2,500"
    assert detection.p_value_words(4e-7) == "1 in 2.5 million"
    assert detection.p_value_words(1e-12) == "below 1 in a billion"


def test_a_sudden_cluster_ranks_before_a_larger_steady_one():
    steady = [
        (f"S{i}", NOW - dt.timedelta(days=1 + i * 8, hours=3), None, None, "", "Printer jams")
        for i in range(10)
    ]  # one every 8 days over 80 days: 1 of them in the last 7 days
    sudden = [
        (f"N{i}", NOW - dt.timedelta(hours=3 + i * 20), None, None, "", "Disk quota exceeded")
        for i in range(6)
    ]  # all 6 in the last 7 days
    first, second = detection.text_clusters(
        steady + sudden, min_size=5, similarity=0.75, now=NOW, window_days=7, cluster_days=90
    )
    assert set(first.terms) == {"disk", "quota", "exceeded"}
    assert first.recent_count == 6
    # If the 6 were spread evenly over 90 days, each fell in the last 7 with probability 7/90.
    assert math.isclose(first.recent_p_value, (7 / 90) ** 6, rel_tol=1e-9)
    assert second.numbers == sorted(f"S{i}" for i in range(10)) and second.recent_count == 1
    assert math.isclose(second.recent_p_value, 1 - (83 / 90) ** 10, rel_tol=1e-9)
