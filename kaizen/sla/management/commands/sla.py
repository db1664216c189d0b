"""`kaizen sla recompute [--since DATE] [--workers N] [--full]` and `kaizen sla scan`."""

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kaizen.core.context import correlation
from kaizen.core.processes import workers_default
from kaizen.sla.scan import scan_due_clocks
from kaizen.sla.services import do_recompute_clocks


def parse_since(value: str) -> dt.datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD) or ISO date-time")
        moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "SLA clocks: rebuild them from the journal, or run the warning/breach scan once."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        recompute = commands.add_parser("recompute", help="rebuild clocks from the journal")
        recompute.add_argument(
            "--since", help="tickets opened on or after this date (and every open one)"
        )
        recompute.add_argument("--reason", default="", help="recorded in the journal")
        recompute.add_argument("--batch-size", type=int, default=1000)
        recompute.add_argument(
            "--workers",
            type=int,
            default=workers_default(),
            help="processes sharing the batches (default: the CPUs available, at most 4; "
            "1 runs everything in this process)",
        )
        recompute.add_argument(
            "--full",
            action="store_true",
            help="recompute settled tickets too (closed or cancelled ones not journaled since the "
            "last full recompute with the same definitions and calendars are otherwise left as "
            "they are)",
        )
        recompute.add_argument("--json", action="store_true", help="print the summary as JSON")
        commands.add_parser("scan", help="fire warnings and breaches that are due")

    def handle(self, *args: Any, **options: Any) -> None:
        with correlation():
            if options["action"] == "scan":
                report = scan_due_clocks()
                self.stdout.write(json.dumps(report.__dict__))
                return
            since = parse_since(options["since"]) if options["since"] else None
            progress = None
            if not options["json"] and sys.stderr.isatty():

                def progress(run: Any) -> None:
                    sys.stderr.write(f"\r{run.tickets} tickets, {run.clocks} clocks")

            run = do_recompute_clocks(
                actor=None,
                since=since,
                reason=options["reason"] or "kaizen sla recompute",
                batch_size=options["batch_size"],
                workers=options["workers"],
                progress=progress,
                full=options["full"],
            )
            summary = {
                "tickets": run.tickets,
                "clocks": run.clocks,
                "changed_clocks": run.changed_clocks,
                "settled_tickets": run.settled_tickets,
                "seconds": round((run.finished_at - run.started_at).total_seconds(), 3),
            }
            if options["json"]:
                self.stdout.write(json.dumps(summary))
            else:
                self.stdout.write(
                    f"\nRecomputed {summary['clocks']} clocks of {summary['tickets']} tickets "
                    f"in {summary['seconds']} s; {summary['changed_clocks']} changed; "
                    f"{summary['settled_tickets']} settled tickets left as they were."
                )
