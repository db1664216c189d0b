"""`kaizen journal verify`: check that folding each record's journal events gives its stored
fields (kaizen/journal/verify.py). Exit status 1 when any record differs."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.journal.verify import verify_journal

EXIT_MISMATCH = 1


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("ch") else "s")
    return f"{number} {noun if number == 1 else plural}"


class Command(BaseCommand):
    help = "The event journal: verify that it rebuilds every record's stored fields."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        verify = commands.add_parser(
            "verify", help="fold each record's events and compare them to its stored fields"
        )
        verify.add_argument(
            "--limit",
            type=int,
            default=50,
            help="mismatches shown per kind of record (all are counted; default 50)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reports = verify_journal()
        differing = 0
        for report in reports:
            count = len(report.mismatches)
            differing += count
            counts = f"{_count(report.records, 'record')}, {_count(report.events, 'event')}"
            line = f"{report.kind}: {counts}"
            if not count:
                self.stdout.write(f"{line}: the journal matches")
                continue
            self.stdout.write(f"{line}: {_count(count, 'mismatch')}")
            for mismatch in report.mismatches[: options["limit"]]:
                self.stdout.write(f"  {mismatch}")
            if count > options["limit"]:
                self.stdout.write(f"  ... and {count - options['limit']} more")
        records = sum(report.records for report in reports)
        if differing:
            self.stderr.write(
                f"The journal does not match the data: {_count(differing, 'mismatch')} "
                f"over {_count(records, 'record')} of {len(reports)} kinds."
            )
            sys.exit(EXIT_MISMATCH)
        kinds = len(reports)
        self.stdout.write(
            f"The journal matches the data: {_count(records, 'record')} of {kinds} kinds."
        )
