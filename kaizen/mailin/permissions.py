"""Who manages inbound mail.

Built on the people app's primitives (kaizen.people.permissions); the web views and the API
both ask this function.
"""

from kaizen.people.models import User
from kaizen.people.permissions import is_admin


def can_manage_mail(user: User) -> bool:
    """Mailboxes hold a mail server's credentials and received mail holds anyone's words:
    only administrators configure mailboxes, read received messages and re-process them."""
    return is_admin(user)
