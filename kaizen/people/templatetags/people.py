from django import template

from kaizen.people.models import User
from kaizen.people.roles import RoleBadge, role_badge

register = template.Library()


@register.filter
def initials(user: User) -> str:
    """Two letters for an avatar: first and last name, or the start of the username."""
    letters = "".join(part[:1] for part in (user.first_name, user.last_name) if part)
    return (letters or user.username[:2]).upper()


@register.simple_tag
def badge_for(user: User) -> RoleBadge:
    """`{% badge_for user as badge %}`: what the header calls the person (people/roles.py)."""
    return role_badge(user)
