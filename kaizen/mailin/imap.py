"""Reading a mailbox over IMAP: store and work each message, then flag it on the server.

Messages are read with BODY.PEEK (nothing changes on the server while reading). A message is
flagged with the KaizenDone keyword (and \\Seen), or moved to the mailbox's processed folder,
only after its row is final (processed, ignored or set aside) and committed; a message
waiting (held by the rate limit, or its worker died) stays as it was, so nothing is lost.
"""

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass, field

from django.utils import timezone

from kaizen.mailin.models import DONE_STATES, InboundMessage, Mailbox, Security
from kaizen.mailin.services import pipeline

DONE_KEYWORD = "KaizenDone"
BATCH = 200
TIMEOUT = 60
UID = re.compile(rb"UID (\d+)")


class FetchError(Exception):
    """The mailbox could not be read (connection, sign-in, folder); said in one line."""


@dataclass
class FetchReport:
    mailbox: str
    seen: int = 0
    stored: int = 0
    worked: int = 0
    flagged: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    host, port = mailbox.host, mailbox.effective_port
    try:
        if mailbox.security == Security.TLS:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
            )
        else:
            client = imaplib.IMAP4(host, port, timeout=TIMEOUT)
            if mailbox.security == Security.STARTTLS:
                client.starttls(ssl.create_default_context())
        client.login(mailbox.username, mailbox.secret())
        # The capabilities after signing in (MOVE is often only announced then).
        status, data = client.capability()
        if status == "OK" and data and data[0]:
            client.capabilities = tuple(data[0].decode().upper().split())
        status, _ = client.select(_quote(mailbox.folder))
        if status != "OK":
            raise FetchError(f"folder {mailbox.folder!r} cannot be opened")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise FetchError(f"{host}:{port}: {exc}") from exc
    return client


def _uidvalidity(client: imaplib.IMAP4) -> int | None:
    _, data = client.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else None
    except (TypeError, ValueError):
        return None


def _messages(data: list) -> list[tuple[int, bytes]]:
    """(uid, raw) of each message in a UID FETCH answer (UID before or after the body)."""
    found = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        match = UID.search(item[0])
        if match is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = UID.search(data[index + 1])
        if match is not None:
            found.append((int(match.group(1)), item[1]))
    return found


def _mark_done(client: imaplib.IMAP4, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    numbers = ",".join(str(uid) for uid in uids)
    client.uid("STORE", numbers, "+FLAGS", f"({DONE_KEYWORD} \\Seen)")
    if mailbox.processed_folder:
        target = _quote(mailbox.processed_folder)
        if "MOVE" in client.capabilities:
            client.uid("MOVE", numbers, target)
        else:
            client.uid("COPY", numbers, target)
            client.uid("STORE", numbers, "+FLAGS", "(\\Deleted)")
            client.expunge()


def fetch_mailbox(mailbox: Mailbox, *, limit: int | None = None) -> FetchReport:
    """Read the messages not yet done; work and flag them in batches. Raises FetchError."""
    report = FetchReport(mailbox=mailbox.name)
    report.worked += pipeline.process_waiting(mailbox)
    client = connect(mailbox)
    try:
        uidvalidity = _uidvalidity(client)
        status, data = client.uid("SEARCH", None, "UNKEYWORD", DONE_KEYWORD)
        if status != "OK":
            raise FetchError(f"searching {mailbox.folder!r} failed: {data!r}")
        uids = [int(uid) for uid in (data[0] or b"").split()]
        if limit is not None:
            uids = uids[:limit]
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            status, data = client.uid(
                "FETCH", ",".join(str(uid) for uid in batch), "(UID BODY.PEEK[])"
            )
            if status != "OK":
                raise FetchError(f"fetching from {mailbox.folder!r} failed: {data!r}")
            done: list[int] = []
            rows: list[int] = []
            for uid, raw in _messages(data):
                report.seen += 1
                row, new = pipeline.store_message(
                    mailbox, raw, uid=uid, uidvalidity=uidvalidity, via="imap"
                )
                report.stored += int(new)
                if pipeline.process_message(row.pk) is not None:
                    report.worked += 1
                    row.refresh_from_db(fields=["state"])
                if row.state in DONE_STATES:
                    done.append(uid)
                    rows.append(row.pk)
                report.states[row.state] = report.states.get(row.state, 0) + 1
            _mark_done(client, mailbox, done)
            InboundMessage.objects.filter(pk__in=rows, flagged_at__isnull=True).update(
                flagged_at=timezone.now()
            )
            report.flagged += len(done)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise FetchError(f"{mailbox.host}: {exc}") from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return report


def fetch_all(*, limit: int | None = None) -> list[FetchReport | str]:
    """Every active mailbox that fetches; a mailbox that cannot be read is reported (and its
    error kept on it) without stopping the others."""
    results: list[FetchReport | str] = []
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(security=Security.PUSH):
        try:
            report = fetch_mailbox(mailbox, limit=limit)
        except FetchError as exc:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=str(exc)[:2000])
            results.append(f"{mailbox.name}: {exc}")
            continue
        Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=timezone.now(), last_error="")
        results.append(report)
    return results
