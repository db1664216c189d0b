"""Imports in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.imports.permissions import can_import

register_nav_entry(NavEntry("Imports", "imports:list", "bi-cloud-arrow-up", 90, can_import))
