"""The KPIs in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.kpis.permissions import can_view_kpis

register_nav_entry(NavEntry("KPIs", "kpis:scorecard", "bi-graph-up-arrow", 50, can_view_kpis))
