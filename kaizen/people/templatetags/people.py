from django import template

from kaizen.people.models import User

register = template.Library()


@register.filter
def initials(user: User) -> str:
    """Two letters for an avatar: first and last name, or the start of the username."""
    letters = "".join(part[:1] for part in (user.first_name, user.last_name) if part)
    return (letters or user.username[:2]).upper()
