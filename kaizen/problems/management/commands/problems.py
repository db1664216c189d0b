"""`kaizen problems scan [--at ISO-TIME]`: the nightly candidate scan run once (the task
worker runs it on its own: kaizen/problems/tasks.py); prints what it found as JSON."""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaizen.core.context import correlation


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--at: {text!r} is not a date and time (2026-12-07T03:00)") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Problem management: scan the incidents for problem candidates."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        scan = commands.add_parser(
            "scan",
            help="propose problem candidates: incident rates above their usual on a service, "
            "CI or category, and clusters of similar descriptions",
        )
        scan.add_argument(
            "--at", default=None, help="scan as of this time (ISO, UTC unless given; default now)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaizen.problems.services.candidates import do_scan_candidates

        now = _moment(options["at"]) if options.get("at") else None
        with correlation():
            result = do_scan_candidates(now=now)
        self.stdout.write(json.dumps(result.as_json(), sort_keys=True, indent=2))
