"""`kaizen availability propose`: outage proposals from the journal run once (the task worker
runs it every five minutes: kaizen/availability/tasks.py); prints what it did as JSON."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.core.context import correlation


class Command(BaseCommand):
    help = "Availability: propose outages from major incidents and failed changes."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "propose",
            help="read the journal since the last run and propose an outage for each major or "
            "critical incident and each failed or backed-out change on a service",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaizen.availability.proposals import do_propose_outages

        with correlation():
            result = do_propose_outages()
        self.stdout.write(json.dumps(result.as_json(), sort_keys=True, indent=2))
