"""The heartbeat each periodic task leaves as it starts, and how it reads back.

The every-minute tasks (the SLA scan, the analytics sync, the notification retry) record theirs,
so a worker whose newest heartbeat is older than WORKER_SILENT_AFTER has stopped running
periodic tasks (or was never started). Not a domain change, so not journaled: a row per task,
overwritten.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.utils import timezone

from kaizen.core.models import TaskHeartbeat

SLA_SCAN = "sla-scan"
ANALYTICS_SYNC = "analytics-sync"
NOTIFICATION_RETRY = "notification-retry"
# Three missed minutes of every-minute tasks: one late run is not yet an alarm.
WORKER_SILENT_AFTER = dt.timedelta(minutes=3)

Task = TypeVar("Task", bound=Callable[..., Any])


def record_heartbeat(name: str, *, at: dt.datetime | None = None) -> None:
    TaskHeartbeat.objects.update_or_create(
        name=name, defaults={"last_run_at": at or timezone.now()}
    )


def heartbeat(name: str) -> Callable[[Task], Task]:
    """Record `name`'s heartbeat each time the decorated task starts."""

    def decorate(task: Task) -> Task:
        @wraps(task)
        def run(*args: Any, **kwargs: Any) -> Any:
            record_heartbeat(name)
            return task(*args, **kwargs)

        return run  # type: ignore[return-value]

    return decorate


def last_heartbeats() -> dict[str, dt.datetime]:
    """Every task's last start, by name (one query)."""
    return dict(TaskHeartbeat.objects.values_list("name", "last_run_at"))
