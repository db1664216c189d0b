"""`kaizen mail fetch | lmtp | load-mbox`: the inbound mail channel from the command line.

fetch      read every active IMAP mailbox once (the periodic task does the same every minute)
lmtp       run the LMTP receiver a mail server delivers to (until Ctrl+C)
load-mbox  work the messages of an mbox file or Maildir folder into one mailbox's tickets
Exit status 1 when a mailbox could not be read or the file is missing.
"""

import json
import signal
import threading
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaizen.mailin import imap, lmtp, mbox
from kaizen.mailin.models import Mailbox


class Command(BaseCommand):
    help = "Read inbound mail: fetch mailboxes, receive by LMTP, or load an mbox/Maildir."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        fetch = actions.add_parser("fetch", help="read every active IMAP mailbox once")
        fetch.add_argument("--mailbox", help="only the mailbox with this name")
        fetch.add_argument("--json", action="store_true", help="print the report as JSON")
        receiver = actions.add_parser("lmtp", help="run the LMTP receiver")
        receiver.add_argument("--host", default=settings.KAIZEN_MAIL_LMTP_HOST)
        receiver.add_argument("--port", type=int, default=settings.KAIZEN_MAIL_LMTP_PORT)
        load = actions.add_parser("load-mbox", help="work an mbox file or Maildir folder")
        load.add_argument("path", type=Path)
        load.add_argument("--mailbox", required=True, help="the mailbox (name) they arrived in")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "fetch":
            self._fetch(options)
        elif action == "lmtp":
            self._lmtp(str(options["host"]), int(options["port"]))  # type: ignore[call-overload]
        else:
            self._load(options["path"], str(options["mailbox"]))  # type: ignore[arg-type]

    def _mailbox(self, name: str) -> Mailbox:
        mailbox = Mailbox.objects.filter(name=name).first()
        if mailbox is None:
            known = ", ".join(Mailbox.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"no mailbox is called {name!r} (mailboxes: {known})")
        return mailbox

    def _fetch(self, options: dict) -> None:
        if options.get("mailbox"):
            try:
                results: list = [imap.fetch_mailbox(self._mailbox(options["mailbox"]))]
            except imap.FetchError as exc:
                raise CommandError(str(exc)) from exc
        else:
            results = imap.fetch_all()
        failed = [result for result in results if isinstance(result, str)]
        reports = [asdict(result) for result in results if not isinstance(result, str)]
        if options.get("json"):
            self.stdout.write(json.dumps({"mailboxes": reports, "errors": failed}, indent=2))
        else:
            for report in reports:
                states = ", ".join(f"{count} {state}" for state, count in report["states"].items())
                self.stdout.write(
                    f"{report['mailbox']}: {report['seen']} read, {report['worked']} worked"
                    f"{' (' + states + ')' if states else ''}, {report['flagged']} flagged"
                )
            for error in failed:
                self.stderr.write(error)
        if failed:
            raise CommandError(f"{len(failed)} mailbox(es) could not be read")

    def _lmtp(self, host: str, port: int) -> None:
        controller = lmtp.controller(host, port)
        controller.start()
        self.stdout.write(f"LMTP receiver on {host}:{port} (Ctrl+C stops it)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()

    def _load(self, path: Path, name: str) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        rows = mbox.load(self._mailbox(name), path)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        summary = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        self.stdout.write(f"{len(rows)} messages from {path}: {summary or 'none'}")
