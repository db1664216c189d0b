"""`kaizen journal verify`: check that folding each record's journal events gives its stored
fields, and that the events' hash chain is unbroken (kaizen/journal/verify.py). Exit status 1
when any record differs or the chain breaks; the chain's head hash is printed so that it can be
kept outside the database and given back with `--expect-head`."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.journal.verify import ChainReport, KindReport, verify_chain, verify_journal

EXIT_MISMATCH = 1


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("ch") else "s")
    return f"{number} {noun if number == 1 else plural}"


class Command(BaseCommand):
    help = (
        "The event journal: verify that it rebuilds every record's stored fields and that its "
        "hash chain holds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        verify = commands.add_parser(
            "verify",
            help="fold each record's events and compare them to its stored fields; "
            "walk the hash chain",
        )
        verify.add_argument(
            "--limit",
            type=int,
            default=50,
            help="mismatches shown per kind of record (all are counted; default 50)",
        )
        verify.add_argument(
            "--chain-only",
            action="store_true",
            help="check only the hash chain, not each record's fields",
        )
        verify.add_argument(
            "--expect-head",
            metavar="HASH",
            help="a head hash printed by an earlier run: fail unless an event still has it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        if not options["chain_only"]:
            failed = self._verify_records(verify_journal(), options["limit"])
        chain = verify_chain(expect_head=options["expect_head"])
        failed = self._report_chain(chain, options["expect_head"]) or failed
        if failed:
            sys.exit(EXIT_MISMATCH)

    def _verify_records(self, reports: list[KindReport], limit: int) -> bool:
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
            for mismatch in report.mismatches[:limit]:
                self.stdout.write(f"  {mismatch}")
            if count > limit:
                self.stdout.write(f"  ... and {count - limit} more")
        records = sum(report.records for report in reports)
        if differing:
            self.stderr.write(
                f"The journal does not match the data: {_count(differing, 'mismatch')} "
                f"over {_count(records, 'record')} of {len(reports)} kinds."
            )
            return True
        kinds = len(reports)
        self.stdout.write(
            f"The journal matches the data: {_count(records, 'record')} of {kinds} kinds."
        )
        return False

    def _report_chain(self, chain: ChainReport, expect_head: str | None) -> bool:
        if chain.broken is not None:
            self.stderr.write(
                f"The journal's hash chain is broken at {chain.broken} "
                f"({_count(chain.events, 'event')} before it hold)."
            )
            return True
        if chain.head_event is None:
            self.stdout.write("The journal's hash chain is unbroken: no events yet.")
        else:
            self.stdout.write(
                f"The journal's hash chain is unbroken: {_count(chain.events, 'event')}; "
                f"head {chain.head} (event {chain.head_event})."
            )
        if chain.expected_head_found is False:
            self.stderr.write(
                f"The expected head {expect_head} is not in the chain: the journal was "
                "rewritten from that event or before it."
            )
            return True
        return False
