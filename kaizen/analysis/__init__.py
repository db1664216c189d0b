"""Kaizen's shared analysis library: the statistics (stats.py), the charts drawn from their
results (charts.py) and the vocabulary of direction (direction.py).

Pure functions over plain values, importing nothing from the rest of Kaizen and nothing from
Django: the bottom of the layers, so that any app (the improvement register today; KPI pages,
surveys and availability later) can use it without learning about another.
"""
