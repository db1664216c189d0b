"""Who may read the outbox.

Built on the people app's primitives (kaizen.people.permissions); a person's own preferences
need only a sign-in.
"""

from kaizen.people.models import User
from kaizen.people.permissions import is_admin


def can_view_outbox(user: User) -> bool:
    """The mail Kaizen could not send holds other people's addresses and ticket texts: only
    administrators, who fix the mail set-up, read it."""
    return is_admin(user)
