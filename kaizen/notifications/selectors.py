"""Reads about notifications, narrowed to one person."""

from django.db.models import QuerySet

from kaizen.notifications.categories import categories_for
from kaizen.notifications.models import Notification
from kaizen.notifications.permissions import can_view_outbox
from kaizen.people.models import User


def preferences_for(user: User) -> dict[str, bool]:
    """{category key: enabled} for every category this person can receive (one query)."""
    opted_out = set(user.notification_opt_outs.values_list("category", flat=True))
    return {category.key: category.key not in opted_out for category in categories_for(user)}


def failed_notifications_for(user: User) -> QuerySet[Notification]:
    """The mail Kaizen gave up sending (administrators; nobody else sees any)."""
    if not can_view_outbox(user):
        return Notification.objects.none()
    return Notification.objects.failed().select_related("recipient")
