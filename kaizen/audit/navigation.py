"""The audit trail in the side navigation."""

from kaizen.audit.permissions import can_view_audit
from kaizen.core.navigation import NavEntry, register_nav_entry

register_nav_entry(NavEntry("Audit trail", "audit:audit", "bi-journal-text", 100, can_view_audit))
