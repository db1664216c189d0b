"""The improvement register in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.improvement.permissions import can_view_register

register_nav_entry(
    NavEntry(
        "Improvement",
        "improvement:register",
        "bi-arrow-repeat",
        60,
        can_view_register,
        children=(
            ("Register", "improvement:register"),
            ("Board", "improvement:board"),
            ("Goals", "improvement:goals"),
            ("Opportunities", "improvement:opportunities"),
        ),
    )
)
