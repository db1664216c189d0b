"""Loading a local mailbox file (mbox) or folder (Maildir) through the same pipeline: the demo
and a site moving from another tool use it."""

import mailbox as mailboxes
from pathlib import Path

from kaizen.mailin.models import InboundMessage, Mailbox
from kaizen.mailin.services import pipeline


def messages_in(path: Path) -> list[bytes]:
    if path.is_dir():
        box: mailboxes.Mailbox = mailboxes.Maildir(path, factory=None, create=False)
    else:
        box = mailboxes.mbox(path, factory=None, create=False)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


def load(mailbox: Mailbox, path: Path) -> list[InboundMessage]:
    return [pipeline.receive(mailbox, raw, via="file") for raw in messages_in(path)]
