"""Outgoing notifications. (Being built: queued mail sent after commit by the task queue.)"""

from collections.abc import Iterable
from typing import Any


def queue_notification(
    template: str,
    recipients: Iterable[Any],
    context: dict[str, Any],
    *,
    category: str,
) -> None:
    """Send `notifications/<template>.subject.txt` / `.txt` / `.html` to each recipient after
    the current transaction commits, skipping people who opted out of `category`."""
