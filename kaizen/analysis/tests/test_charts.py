"""The charts drawn from the statistics' results (the report's SVGs)."""

from kaizen.analysis import stats
from kaizen.analysis.charts import pareto_chart


def test_it_draws_labels_from_the_data_as_plain_text():
    """Category names come from imported tickets: never markup in the page, never mathtext
    (which fails to draw "$5 ^$10")."""
    pareto = stats.pareto({"<script>alert(1)</script>": 5.0, "costs $5 ^$10": 3.0, "x": 1.0})
    chart = pareto_chart({"pareto": {**pareto, "dimension": "category"}}, prefix="p")
    assert chart is not None
    assert "<script" not in chart.svg
    assert "costs $5 ^$10" in chart.svg  # the label's comment, as matplotlib writes it
