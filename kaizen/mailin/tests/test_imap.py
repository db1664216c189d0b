"""Fetching from a real IMAP server (Dovecot on loopback): messages become tickets and
comments, are flagged only once done, and a fetch killed mid-run loses and repeats nothing."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kaizen.incidents.models import Incident, IncidentComment, State
from kaizen.mailin import imap
from kaizen.mailin.models import InboundMessage, Security
from kaizen.mailin.services import do_create_mailbox, do_update_mailbox
from kaizen.mailin.tests import dovecot
from kaizen.mailin.tests.conftest import mail
from kaizen.testing import command_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server():
    reason = dovecot.available()
    if reason:
        pytest.skip(reason)
    running = dovecot.Dovecot().start()
    yield running
    running.stop()


@pytest.fixture
def folder(server) -> str:
    name = f"test-{uuid.uuid4().hex[:8]}"
    client = server.client()
    client.create(name)
    client.logout()
    return name


@pytest.fixture
def imap_mailbox(server, folder, service_desk):
    return do_create_mailbox(
        actor=None,
        name="Support",
        address="support@example.com",
        security=Security.PLAIN,
        host="127.0.0.1",
        port=server.port,
        username=dovecot.USER,
        password=dovecot.PASSWORD,
        folder=folder,
        default_team=service_desk,
    )


def test_fetch_opens_tickets_threads_replies_and_flags_what_is_done(
    server, folder, imap_mailbox, requester, agent
):
    server.deliver(
        mail(message_id="<new@client.example.com>", subject="VPN down"),
        mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
        mail(sender="Kaizen <kaizen@localhost>", subject="[INC0000001] loop"),
        folder=folder,
    )
    report = imap.fetch_mailbox(imap_mailbox)
    assert (report.seen, report.stored, report.worked, report.flagged) == (3, 3, 3, 3)
    assert report.states == {"processed": 1, "ignored": 2}
    assert server.flags(folder) == ["\\Seen KaizenDone"] * 3
    incident = Incident.objects.get()
    assert incident.short_description == "VPN down"

    # A reply by header, one by number; the second fetch reads only the new messages.
    server.deliver(
        mail(subject="Re: VPN down", text="Still down.", in_reply_to="<new@client.example.com>"),
        mail(subject="[INC0000001] more", text="Since 9:00."),
        folder=folder,
    )
    report = imap.fetch_mailbox(imap_mailbox)
    assert (report.seen, report.worked) == (2, 2)
    assert list(IncidentComment.objects.order_by("pk").values_list("body", flat=True)) == [
        "Still down.",
        "Since 9:00.",
    ]
    assert imap.fetch_mailbox(imap_mailbox).seen == 0


def test_a_reply_to_a_resolved_incident_reopens_it(server, folder, imap_mailbox, requester, agent):
    server.deliver(mail(subject="Printer"), folder=folder)
    imap.fetch_mailbox(imap_mailbox)
    from kaizen.mailin.tests.test_pipeline import _resolve

    incident = Incident.objects.get()
    _resolve(incident, agent, None)
    server.deliver(mail(subject="Re: [INC0000001] Resolved: Printer", text="No."), folder=folder)
    imap.fetch_mailbox(imap_mailbox)
    incident.refresh_from_db()
    assert incident.state == State.IN_PROGRESS
    assert InboundMessage.objects.filter(outcome="reopened").count() == 1


def test_bad_input_is_set_aside_and_flagged_a_held_message_stays(
    server, folder, imap_mailbox, requester, settings
):
    from kaizen.mailin.tests.test_pipeline import BROKEN_MULTIPART

    settings.KAIZEN_MAIL_RATE_LIMIT = 1
    server.deliver(BROKEN_MULTIPART, mail(subject="one"), mail(subject="two"), folder=folder)
    report = imap.fetch_mailbox(imap_mailbox)
    assert report.states == {"set_aside": 1, "processed": 1, "held": 1}
    # The held message is not done: it stays unflagged on the server until it is.
    assert server.flags(folder) == ["\\Seen KaizenDone", "\\Seen KaizenDone", ""]


def test_worked_messages_are_moved_to_the_processed_folder(server, folder, imap_mailbox, requester):
    client = server.client()
    client.create(f"{folder}-done")
    client.logout()
    do_update_mailbox(
        imap_mailbox, actor=None, expected_version=None, processed_folder=f"{folder}-done"
    )
    server.deliver(mail(), folder=folder)
    imap.fetch_mailbox(imap_mailbox)
    assert server.flags(folder) == []
    assert server.flags(f"{folder}-done") == ["\\Seen \\Recent KaizenDone"]


def test_a_wrong_password_is_reported_on_the_mailbox(server, imap_mailbox):
    do_update_mailbox(imap_mailbox, actor=None, expected_version=None, password="wrong")
    with pytest.raises(CommandError, match="1 mailbox\\(es\\) could not be read"):
        call_command("mail", "fetch")
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error.startswith(f"127.0.0.1:{server.port}: ")
    assert "Authentication failed" in imap_mailbox.last_error


def kaizen(data_dir: Path, *args: str, wait: bool = True):
    env = command_env(
        KAIZEN_DEBUG="true", KAIZEN_DATA_DIR=str(data_dir), KAIZEN_LOG_LEVEL="WARNING"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "kaizen", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if wait:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors.decode()
    return process


def count(database: Path, sql: str) -> int:
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_fetch_killed_mid_run_loses_and_repeats_nothing(server, folder, tmp_path):
    """SIGKILL the fetch once some messages are tickets; the next fetch finishes the rest.
    Each message is one ticket; every message ends flagged."""
    total = 120
    data_dir = tmp_path / "data"
    kaizen(data_dir, "migrate", "--noinput")
    script = (
        "from kaizen.mailin.services import do_create_mailbox;"
        "do_create_mailbox(actor=None, name='Support', address='support@example.com',"
        f"security='plain', host='127.0.0.1', port={server.port}, username='{dovecot.USER}',"
        f"password='{dovecot.PASSWORD}', folder='{folder}')"
    )
    kaizen(data_dir, "shell", "-c", script)
    server.deliver(
        *(
            mail(
                sender=f"Caller {n} <caller{n}@example.org>",
                subject=f"Problem {n}",
                message_id=f"<m{n}@client.example.com>",
            )
            for n in range(total)
        ),
        folder=folder,
    )
    database = data_dir / "kaizen.sqlite3"
    fetch = kaizen(data_dir, "mail", "fetch", wait=False)
    deadline = time.monotonic() + 300
    while count(database, "SELECT COUNT(*) FROM incidents_incident") < 15:
        assert fetch.poll() is None, "the fetch ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(fetch.pid, signal.SIGKILL)
    fetch.wait()
    done_before = count(database, "SELECT COUNT(*) FROM incidents_incident")
    assert 15 <= done_before < total

    kaizen(data_dir, "mail", "fetch")
    assert count(database, "SELECT COUNT(*) FROM incidents_incident") == total
    assert (
        count(database, "SELECT COUNT(DISTINCT short_description) FROM incidents_incident") == total
    )
    assert count(database, "SELECT COUNT(*) FROM mailin_inboundmessage") == total
    assert (
        count(database, "SELECT COUNT(*) FROM mailin_inboundmessage WHERE state='processed'")
        == total
    )
    assert server.flags(folder) == ["\\Seen KaizenDone"] * total


def test_the_periodic_task_reads_every_active_mailbox(server, folder, imap_mailbox, requester):
    from kaizen.mailin import tasks

    server.deliver(mail(subject="Monitor flickers"), folder=folder)
    tasks.fetch_mail.call_local()
    assert Incident.objects.get().short_description == "Monitor flickers"
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_fetched_at is not None and imap_mailbox.last_error == ""
