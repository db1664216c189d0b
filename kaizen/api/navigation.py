"""The API documentation in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(NavEntry("API", "api-docs", "bi-braces", 110))
