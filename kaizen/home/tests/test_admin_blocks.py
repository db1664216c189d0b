"""The administrator's home: the task worker and its last runs, the analytics store's lag
behind the journal, mail given up, imports running."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.analytics.store import connect
from kaizen.analytics.sync import CURSOR, SYNCED_AT
from kaizen.core.heartbeats import ANALYTICS_SYNC, SLA_SCAN, record_heartbeat
from kaizen.home.tests.helpers import block, figures, listed_count
from kaizen.imports.models import ImportRun, RunStatus
from kaizen.journal.models import JournalEvent
from kaizen.notifications.models import Notification
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings):
    """A real queue (the tests run tasks immediately, which has no worker to watch)."""
    settings.TASK_QUEUE = "sqlite"


def _rows(shown):
    return {row.text: row for row in shown.rows}


def test_it_says_the_worker_is_alive_when_a_periodic_task_ran_lately(client, admin_user, queued):
    now = timezone.now()
    record_heartbeat(SLA_SCAN, at=now - dt.timedelta(seconds=40))
    record_heartbeat(ANALYTICS_SYNC, at=now - dt.timedelta(minutes=20))
    client.login(username="ada", password=PASSWORD)
    shown = block(client.get("/"), "admin-worker")
    rows = _rows(shown)
    assert rows["Task worker"].badge == "Alive"
    assert rows["Task worker"].when == now - dt.timedelta(seconds=40)
    assert rows["Last SLA scan"].when == now - dt.timedelta(seconds=40)
    assert rows["Last retry of unsent mail"].detail == "never"
    assert shown.urgency == 0


def test_it_says_the_worker_stopped_when_no_task_ran_for_minutes(client, admin_user, queued):
    record_heartbeat(SLA_SCAN, at=timezone.now() - dt.timedelta(minutes=4))
    client.login(username="ada", password=PASSWORD)
    response = client.get("/")
    shown = block(response, "admin-worker")
    assert _rows(shown)["Task worker"].badge == "Stopped"
    assert response.context["blocks"][0].key == "admin-worker"  # urgent: first


def test_it_says_no_worker_ever_ran(client, admin_user, queued):
    client.login(username="ada", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "No periodic task has ever run: start the task worker (kaizen serve" in page


def test_it_says_immediate_mode_has_no_periodic_tasks(client, admin_user):
    client.login(username="ada", password=PASSWORD)
    shown = block(client.get("/"), "admin-worker")
    assert _rows(shown)["Task worker"].badge == "No worker"


def test_it_measures_the_analytics_lag_in_journal_events(client, admin_user):
    for _ in range(3):
        make_user()  # each journaled
    ids = list(JournalEvent.objects.order_by("id").values_list("id", flat=True))
    cursor = ids[-3]  # the store has all but the last two
    synced = timezone.now() - dt.timedelta(minutes=15)
    with connect() as connection:
        for name, value in ((CURSOR, str(cursor)), (SYNCED_AT, synced.isoformat())):
            connection.execute("INSERT OR REPLACE INTO sync_state VALUES (?, ?)", [name, value])
    client.login(username="ada", password=PASSWORD)
    shown = block(client.get("/"), "admin-analytics")
    assert figures(shown) == {"Journal events not synced": 2}
    rows = _rows(shown)
    assert rows["Last events synced"].when == synced
    assert rows["Behind the journal"].detail == "by 2 events, since the last sync"
    assert shown.urgency == 1  # a quarter of an hour without catching up: amber


def test_it_counts_the_mail_given_up_and_links_to_it(client, admin_user, settings):
    common = {"address": "x@example.com", "category": "incident", "subject": "S", "text": "T"}
    limit = settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS
    Notification.objects.create(attempts=limit, last_error="550 no such user", **common)
    Notification.objects.create(attempts=limit - 1, **common)  # will be retried
    Notification.objects.create(attempts=limit, sent_at=timezone.now(), **common)  # sent
    client.login(username="ada", password=PASSWORD)
    response = client.get("/")
    shown = block(response, "admin-mail")
    assert figures(shown) == {"Given up": 1}
    assert listed_count(client, shown.figures[0].url) == 1
    assert shown.urgency == 2


def test_it_counts_the_imports_running_and_links_to_them(client, admin_user):
    now = timezone.now()
    common = {"kind": "tickets-csv", "source_name": "tickets.csv"}
    ImportRun.objects.create(status=RunStatus.RUNNING, heartbeat_at=now, **common)
    ImportRun.objects.create(status=RunStatus.FINISHED, heartbeat_at=now, **common)
    ImportRun.objects.create(  # its process died: the list marks it interrupted
        status=RunStatus.RUNNING, heartbeat_at=now - dt.timedelta(minutes=10), **common
    )
    client.login(username="ada", password=PASSWORD)
    shown = block(client.get("/"), "admin-imports")
    assert figures(shown) == {"Running": 1}
    assert listed_count(client, shown.figures[0].url) == 1


def test_it_says_plainly_when_nothing_failed_or_runs(client, admin_user):
    client.login(username="ada", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "Every e-mail was sent: none failed." in page
    assert "No import is running." in page


def test_only_administrators_read_the_failed_mail(client, agent):
    client.login(username="alan", password=PASSWORD)
    assert client.get("/notifications/failed/").status_code == 403
