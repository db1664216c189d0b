"""Service levels in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.sla.permissions import can_view_service_levels

register_nav_entry(
    NavEntry("Service levels", "sla:definition_list", "bi-stopwatch", 40, can_view_service_levels)
)
