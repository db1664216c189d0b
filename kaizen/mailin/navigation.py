"""Inbound mail in the side navigation (administrators)."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.mailin.permissions import can_manage_mail

register_nav_entry(NavEntry("Inbound mail", "mailin:mailbox_list", "bi-inbox", 92, can_manage_mail))
