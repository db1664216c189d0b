"""The charts drawn from the statistics' results (the report's SVGs)."""

import pytest

from kaizen.analysis import stats
from kaizen.analysis.charts import ParetoOthers, pareto_bars, pareto_chart


def test_it_draws_labels_from_the_data_as_plain_text():
    """Category names come from imported tickets: never markup in the page, never mathtext
    (which fails to draw "$5 ^$10")."""
    pareto = stats.pareto({"<script>alert(1)</script>": 5.0, "costs $5 ^$10": 3.0, "x": 1.0})
    chart = pareto_chart({"pareto": {**pareto, "dimension": "category"}}, prefix="p")
    assert chart is not None
    assert "<script" not in chart.svg
    assert "costs $5 ^$10" in chart.svg  # the label's comment, as matplotlib writes it


def _contributions() -> dict[str, float]:
    """Eight named contributors (86 in all) and a long tail of twenty at 2 (40 in all): the
    tail's sum is larger than the largest contributor (30)."""
    named = {"A": 30, "B": 20, "C": 10, "D": 8, "E": 6, "F": 5, "G": 4, "H": 3}
    tail = {f"z{i:02d}": 2 for i in range(1, 21)}
    return {**named, **tail}


def test_the_pareto_bars_are_the_named_contributors_and_the_others_stay_on_the_line():
    pareto = stats.pareto(_contributions())
    bars = pareto_bars(pareto)
    assert bars is not None
    assert bars.labels == ["A", "B", "C", "D", "E", "F", "G", "H"]
    assert bars.values == [30, 20, 10, 8, 6, 5, 4, 3]  # no bar of 40 for the others
    assert bars.vital == [True] * 8  # 86 of 126 is 68 %: the cut-off (80 %) lies in the tail
    # cumulative shares of 126: 30, 50, 60, 68, 74, 79, 83, 86
    expected = [100 * total / 126 for total in (30, 50, 60, 68, 74, 79, 83, 86)]
    assert bars.cumulative == pytest.approx(expected)
    assert bars.others == ParetoOthers(
        count=20, total=40, share=pytest.approx(100 * 40 / 126), label="others (20 categories)"
    )
    assert pareto_bars(pareto, ("team", "teams")).others.label == "others (20 teams)"


def test_a_short_pareto_has_no_others():
    bars = pareto_bars(stats.pareto({"Network": 8, "Desk": 1, "Apps": 1}))
    assert bars.labels == ["Network", "Apps", "Desk"] and bars.others is None
    assert bars.values == [8, 1, 1]


def test_the_pareto_chart_names_the_others_beside_the_line():
    pareto = stats.pareto(_contributions())
    chart = pareto_chart(
        {"pareto": {**pareto, "dimension": "team"}}, prefix="p", noun=("team", "teams")
    )
    assert chart is not None and not chart.wide
    assert "others (20 teams)" in chart.svg  # the tick's label, as matplotlib comments it
    assert "(32 %)" in chart.svg  # its share of the total, written beside the line


def test_it_draws_without_inline_css_for_the_pages_content_security_policy():
    """matplotlib's style="" and <style> become SVG presentation attributes: the same colours,
    and nothing the pages' policy (no inline style) would block."""
    pareto = stats.pareto({"Mail": 5.0, "VPN": 3.0, "Printing": 1.0})
    chart = pareto_chart({"pareto": {**pareto, "dimension": "category"}}, prefix="p")
    assert chart is not None
    assert "style=" not in chart.svg and "<style" not in chart.svg
    assert chart.svg.startswith('<svg stroke-linejoin="round" stroke-linecap="butt"')
    assert 'fill="#4f46e5"' in chart.svg  # the accent colour of the bars
