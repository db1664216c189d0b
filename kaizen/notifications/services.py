"""Writes: queueing notifications into the outbox, and people's notification preferences."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.notifications.categories import categories_for, get_category
from kaizen.notifications.models import Notification, NotificationOptOut
from kaizen.notifications.selectors import preferences_for
from kaizen.notifications.tasks import send_notifications
from kaizen.notifications.threading import new_message_id, references_for, ticket_number_of
from kaizen.people.models import User


def _receivers(recipients: Iterable[User], category: str) -> list[User]:
    """Each person once, if active, with an address, and not opted out of `category`."""
    people = {person.pk: person for person in recipients if person.is_active and person.email}
    opted_out = set(
        NotificationOptOut.objects.filter(category=category, user__in=list(people)).values_list(
            "user_id", flat=True
        )
    )
    return [person for pk, person in people.items() if pk not in opted_out]


def _render(template: Any, context: dict[str, Any], *, html: bool) -> str:
    # Plain-text parts are not HTML: "R&D" must stay "R&D", so only the HTML part is escaped.
    return template.template.render(Context(context, autoescape=html))


def queue_notification(
    template: str,
    recipients: Iterable[User],
    context: dict[str, Any],
    *,
    category: str,
) -> list[Notification]:
    """Render `notifications/<template>.subject.txt` / `.txt` / optional `.html` for each
    recipient into the outbox, in the caller's transaction; after commit a task sends them.

    The templates get `recipient` and `site_url` on top of `context`, and are rendered in the
    recipient's time zone. Nothing is written for people without an address, inactive people
    and people who opted out of `category`.
    """
    get_category(category)
    people = _receivers(recipients, category)
    if not people:
        return []
    subject = get_template(f"notifications/{template}.subject.txt")
    text = get_template(f"notifications/{template}.txt")
    try:
        html = get_template(f"notifications/{template}.html")
    except TemplateDoesNotExist:
        html = None
    thread = ticket_number_of(context)
    references = " ".join(references_for(thread))
    rows = []
    for person in people:
        values = {**context, "recipient": person, "site_url": settings.KAIZEN_SITE_URL}
        with timezone.override(person.time_zone or settings.TIME_ZONE):
            rows.append(
                Notification(
                    recipient=person,
                    address=person.email,
                    category=category,
                    # A mail header is one line.
                    subject=" ".join(_render(subject, values, html=False).split())[:300],
                    text=_render(text, values, html=False),
                    html=_render(html, values, html=True) if html else "",
                    message_id=new_message_id(),
                    thread=thread,
                    references=references,
                )
            )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    # robust: if the queue is unreachable the change still stands; the periodic retry sends.
    transaction.on_commit(lambda: send_notifications(ids), robust=True)
    return created


@transaction.atomic
def do_set_notification_preferences(
    user: User, enabled: Mapping[str, bool], *, actor: User | None
) -> dict[str, bool]:
    """Switch categories on or off for `user`; journal each real change. Returns every
    category the person can receive with its new state."""
    allowed = [category.key for category in categories_for(user)]
    unknown = sorted(set(enabled) - set(allowed))
    if unknown:
        raise ValidationError({"category": f"unknown notification category: {', '.join(unknown)}"})
    # Serialise concurrent edits of one person's preferences.
    User.objects.select_for_update().get(pk=user.pk)
    opted_out = set(user.notification_opt_outs.values_list("category", flat=True))
    for key in allowed:
        if key not in enabled:
            continue
        if enabled[key] and key in opted_out:
            user.notification_opt_outs.filter(category=key).delete()
            record_event(EventType.NOTIFICATION_OPTED_IN, user, actor=actor, data={"category": key})
        elif not enabled[key] and key not in opted_out:
            NotificationOptOut.objects.create(user=user, category=key)
            record_event(
                EventType.NOTIFICATION_OPTED_OUT, user, actor=actor, data={"category": key}
            )
    return preferences_for(user)
