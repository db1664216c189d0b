"""The overview in the side navigation."""

from kaizen.catalog.permissions import can_view_cmdb
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(NavEntry("Overview", "home", "bi-speedometer2", 0, can_view_cmdb))
