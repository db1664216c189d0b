"""Reads about notifications, narrowed to one person."""

from kaizen.notifications.categories import categories_for
from kaizen.people.models import User


def preferences_for(user: User) -> dict[str, bool]:
    """{category key: enabled} for every category this person can receive (one query)."""
    opted_out = set(user.notification_opt_outs.values_list("category", flat=True))
    return {category.key: category.key not in opted_out for category in categories_for(user)}
