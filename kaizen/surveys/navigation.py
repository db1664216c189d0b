"""Surveys in the side navigation: everyone signed in (requesters find their own surveys)."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.surveys.permissions import can_view_surveys

register_nav_entry(
    NavEntry(
        "Surveys",
        "surveys:home",
        "bi-emoji-smile",
        44,
        can_view_surveys,
    )
)
