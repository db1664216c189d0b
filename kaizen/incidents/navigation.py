"""Incident management in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(NavEntry("Incidents", "incidents:home", "bi-exclamation-diamond", 10))
