"""Huey in both modes: the embedded SQLite queue and Redis, each worked by Huey's real consumer,
delivering through a real SMTP server; periodic tasks; and the queue settings."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
import redis
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage, SqliteStorage

from kaizen.notifications import tasks
from kaizen.notifications.models import Notification
from kaizen.notifications.services import queue_notification
from kaizen.notifications.tests.helpers import queue_storage, running_consumer, wait_for

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database number no other Kaizen test uses


def queue_for(person) -> Notification:
    context = {"title": "INC-3", "note": "assigned", "when": timezone.now()}
    (row,) = queue_notification("test_update", [person], context, category="incident_updates")
    return row


def assert_delivered_by_a_consumer(inbox, requester) -> None:
    """Queue after commit, see the task wait in the queue, then let a consumer run it."""
    row = queue_for(requester)
    assert HUEY.pending_count() == 1
    assert inbox.messages == []
    with running_consumer(periodic=False):
        wait_for(lambda: inbox.messages)
    assert HUEY.pending_count() == 0
    assert inbox.recipients == [["rita@example.com"]]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_from_the_embedded_sqlite_queue(tmp_path, inbox, requester):
    with queue_storage(SqliteStorage("kaizen", filename=str(tmp_path / "tasks.sqlite3"))):
        assert_delivered_by_a_consumer(inbox, requester)


@pytest.fixture
def redis_storage():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    storage = RedisStorage(f"kaizen-test-{uuid.uuid4().hex}", url=REDIS_URL)
    yield storage
    storage.flush_all()
    assert storage.conn.keys(f"*{storage.name}*") == []


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_from_redis(redis_storage, inbox, requester):
    with queue_storage(redis_storage):
        assert_delivered_by_a_consumer(inbox, requester)


@pytest.mark.parametrize("minute", [0, 1, 37, 59])
def test_it_schedules_the_retry_every_minute(minute):
    due = HUEY.read_periodic(datetime(2026, 5, 4, 13, minute, tzinfo=UTC))
    assert tasks.retry_notifications.task_class in {type(task) for task in due}


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_periodic_retry_in_the_consumer(tmp_path, inbox, requester):
    # The queue was unreachable at commit: the row exists but no task was ever enqueued.
    with queue_storage(SqliteStorage("kaizen", filename=str(tmp_path / "tasks.sqlite3"))):
        row = queue_for(requester)
        HUEY.storage.flush_queue()
        assert HUEY.pending_count() == 0
        # The scheduler enqueues periodic tasks as it starts, then at each minute.
        with running_consumer(periodic=True):
            wait_for(lambda: inbox.messages)
    assert inbox.recipients == [["rita@example.com"]]
    row.refresh_from_db()
    assert row.sent_at is not None


def settings_in_subprocess(tmp_path, **env: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup();"
        "from huey.contrib.djhuey import HUEY;"
        "print(type(HUEY).__name__, type(HUEY.storage).__name__, HUEY.immediate)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "kaizen.settings",
            "KAIZEN_DEBUG": "true",
            "KAIZEN_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_queues_in_a_sqlite_file_under_the_data_dir_by_default(tmp_path):
    result = settings_in_subprocess(tmp_path)
    assert result.stdout.split() == ["SqliteHuey", "SqliteStorage", "False"], result.stderr
    assert (tmp_path / "tasks.sqlite3").exists()


def test_it_queues_in_redis_when_asked(tmp_path):
    result = settings_in_subprocess(tmp_path, KAIZEN_TASK_QUEUE="redis", REDIS_URL=REDIS_URL)
    assert result.stdout.split() == ["RedisHuey", "RedisStorage", "False"], result.stderr


def test_it_runs_tasks_at_once_in_immediate_mode(tmp_path):
    result = settings_in_subprocess(tmp_path, KAIZEN_TASK_QUEUE="immediate")
    assert result.stdout.split() == ["SqliteHuey", "MemoryStorage", "True"], result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAIZEN_TASK_QUEUE": "celery"}, "KAIZEN_TASK_QUEUE must be sqlite, redis or immediate"),
        ({"KAIZEN_TASK_QUEUE": "redis"}, "KAIZEN_TASK_QUEUE=redis needs REDIS_URL"),
        (
            {"KAIZEN_TASK_QUEUE": "redis", "REDIS_URL": "127.0.0.1:6379"},
            "REDIS_URL must start with redis://",
        ),
        ({"KAIZEN_SITE_URL": "itsm.example.com"}, "KAIZEN_SITE_URL must be like https://"),
        ({"KAIZEN_NOTIFICATION_MAX_ATTEMPTS": "0"}, "KAIZEN_NOTIFICATION_MAX_ATTEMPTS must be"),
    ],
)
def test_it_names_a_bad_queue_or_notification_variable(tmp_path, env, message):
    result = settings_in_subprocess(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr
