"""The periodic fetch (Huey): every minute, every active IMAP mailbox, and the messages that
wait (held by the rate limit and now due, or left by a worker that died)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.mailin import imap
from kaizen.mailin.services import process_waiting

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("mailin-fetch")
def fetch_mail() -> None:
    for result in imap.fetch_all():
        if isinstance(result, str):
            logger.warning("mailbox not read: %s", result)
    process_waiting()
