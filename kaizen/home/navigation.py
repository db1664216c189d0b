"""Home in the side navigation: everyone signed in has one."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.people.models import User


def has_home(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


register_nav_entry(NavEntry("Home", "home", "bi-house", 0, has_home))
