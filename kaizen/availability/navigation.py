"""Availability in the side navigation: agents."""

from kaizen.availability.permissions import can_view_availability
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(
    NavEntry(
        "Availability",
        "availability:overview",
        "bi-activity",
        42,
        can_view_availability,
        children=(("Outages", "availability:outage_list"),),
    )
)
