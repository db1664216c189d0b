"""Every write of the inbound mail app: mailboxes, and messages from received to done."""

from kaizen.mailin.services.mailboxes import do_create_mailbox, do_update_mailbox
from kaizen.mailin.services.pipeline import (
    do_reprocess_message,
    process_message,
    process_waiting,
    receive,
    store_message,
)

__all__ = [
    "do_create_mailbox",
    "do_reprocess_message",
    "do_update_mailbox",
    "process_message",
    "process_waiting",
    "receive",
    "store_message",
]
