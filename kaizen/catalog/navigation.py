"""The catalogue and the CMDB in the side navigation."""

from kaizen.catalog.permissions import can_view_cmdb
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(NavEntry("Catalogue", "catalog:service_list", "bi-grid-3x3-gap", 20))
register_nav_entry(
    NavEntry("Configuration items", "catalog:ci_list", "bi-hdd-network", 30, can_view_cmdb)
)
