"""Ingest 10,000 messages from a loopback IMAP server (Debian's Dovecot) into tickets.

    .venv/bin/python bench/mail_ingest.py                      # SQLite
    .venv/bin/python bench/mail_ingest.py --database-url postgres://...

Seeded data: 500 known requesters write 2/3 new messages (one in ten with a 20 KB attachment)
and 1/3 replies, each from the caller of an earlier ticket (half threaded by In-Reply-To, half
by the ticket number in the subject). The messages are appended to the folder first (not
timed); then one `fetch_mailbox` run is timed end to end: IMAP FETCH, parsing, screening,
matching, incidents, comments, attachments, journal events, SLA clocks, flagging on the
server. Prints one JSON object. Needs /usr/sbin/dovecot (`make mail-server`).
"""

import argparse
import json
import random
import time

from _setup import setup_django


def build(count: int, people: int, seed: int) -> list[bytes]:
    from email.message import EmailMessage

    rng = random.Random(seed)
    messages: list[bytes] = []
    opened: list[tuple[int, str, int]] = []  # (ticket index from 1, Message-ID, caller)
    for index in range(count):
        person = rng.randrange(people)
        reply_to = rng.choice(opened) if opened and index % 3 == 2 else None
        if reply_to is not None:
            person = reply_to[2]  # the caller answers about their own ticket
        message = EmailMessage()
        message["From"] = f"Caller {person} <caller{person}@example.org>"
        message["To"] = "support@example.com"
        message["Message-ID"] = f"<bench{index}@client.example.org>"
        if reply_to is not None:
            number, original, _ = reply_to
            if index % 2:
                message["Subject"] = f"Re: [INC{number:07d}] Printer {number}"
            else:
                message["Subject"] = f"Re: Printer {number}"
                message["In-Reply-To"] = original
            message.set_content(
                f"Still happening, see below.\n\nRegards\nCaller {person}\n\n"
                f"On Mon, 7 Dec 2026 at 10:00, Kaizen wrote:\n> earlier text {number}\n"
            )
        else:
            opened.append((len(opened) + 1, message["Message-ID"], person))
            message["Subject"] = f"Printer {len(opened)}"
            message.set_content(f"Printer {len(opened)} on floor {index % 7} shows error E{index}.")
            if index % 10 == 0:
                message.add_attachment(
                    rng.randbytes(20_000),
                    maintype="application",
                    subtype="octet-stream",
                    filename=f"log-{index}.bin",
                )
        messages.append(message.as_bytes())
    return messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from kaizen.incidents.models import Incident, IncidentAttachment, IncidentComment
    from kaizen.mailin import imap
    from kaizen.mailin.models import InboundMessage, Security
    from kaizen.mailin.services import do_create_mailbox
    from kaizen.mailin.tests import dovecot
    from kaizen.people.models import UserKind
    from kaizen.people.services import do_create_user

    reason = dovecot.available()
    if reason:
        raise SystemExit(reason)
    for person in range(args.people):
        do_create_user(
            actor=None,
            username=f"caller{person}",
            email=f"caller{person}@example.org",
            first_name="Caller",
            last_name=str(person),
            kind=UserKind.REQUESTER,
        )
    server = dovecot.Dovecot().start()
    try:
        messages = build(args.messages, args.people, args.seed)
        started = time.perf_counter()
        server.deliver(*messages)
        deliver_s = time.perf_counter() - started
        mailbox = do_create_mailbox(
            actor=None,
            name="Support",
            address="support@example.com",
            security=Security.PLAIN,
            host="127.0.0.1",
            port=server.port,
            username=dovecot.USER,
            password=dovecot.PASSWORD,
        )
        started = time.perf_counter()
        cpu = time.process_time()
        report = imap.fetch_mailbox(mailbox)
        ingest_s = time.perf_counter() - started
        cpu_s = time.process_time() - cpu
        flagged_on_server = server.flags().count("\\Seen KaizenDone")
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "database": vendor,
                "messages": args.messages,
                "read": report.seen,
                "states": report.states,
                "incidents": Incident.objects.count(),
                "comments": IncidentComment.objects.count(),
                "attachments": IncidentAttachment.objects.count(),
                "stored_messages": InboundMessage.objects.count(),
                "flagged_on_server": flagged_on_server,
                "append_to_imap_s": round(deliver_s, 2),
                "ingest_s": round(ingest_s, 2),
                "ingest_cpu_s": round(cpu_s, 2),
                "messages_per_s": round(report.seen / ingest_s),
                "target_s": 60,
            }
        )
    )


if __name__ == "__main__":
    main()
