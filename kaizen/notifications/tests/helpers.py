"""Test helpers: an SMTP inbox, and Huey's consumer running inside the test process."""

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from huey.contrib.djhuey import HUEY
from huey.storage import BaseStorage

import kaizen.core.tasks  # noqa: F401 - its shutdown hook, as `kaizen run_huey` loads it


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@contextmanager
def queue_storage(storage: BaseStorage) -> Iterator[BaseStorage]:
    """Tasks are enqueued into `storage` instead of the configured queue meanwhile."""
    was_immediate, was_storage = HUEY.immediate, HUEY.storage
    HUEY.immediate = False
    HUEY.storage = storage
    try:
        yield storage
    finally:
        HUEY.immediate = was_immediate
        HUEY.storage = was_storage


@contextmanager
def running_consumer(*, periodic: bool) -> Iterator[None]:
    """Huey's own Consumer, its scheduler and one worker as threads of this process, working
    the current queue (see queue_storage). One worker keeps SQLite test databases to one
    writer; the test waits on the SMTP inbox, not on the database, meanwhile."""
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    consumer = HUEY.create_consumer(workers=1, worker_type="thread", periodic=periodic)
    consumer.start()  # also installs signal handlers, restored below
    try:
        yield
    finally:
        consumer.stop(graceful=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def wait_for(condition: Callable[[], object], *, within: float = 20) -> None:
    """Poll until `condition()` is true; fail after `within` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)
