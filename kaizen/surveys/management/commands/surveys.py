"""`kaizen surveys run`: draw invitations from the journal and send what is due, once (the task
worker runs it every five minutes: kaizen/surveys/tasks.py); prints what it did as JSON."""

import json
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.core.context import correlation


class Command(BaseCommand):
    help = "Satisfaction surveys: draw invitations from resolved tickets and send the due ones."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        run = commands.add_parser(
            "run",
            help="read the journal since the last run, draw invitations, then send, remind "
            "and expire the due ones",
        )
        run.add_argument("--seed", type=int, help="fix the random draw (for reproducible runs)")

    def handle(self, *args: Any, **options: Any) -> None:
        from kaizen.surveys.planner import do_plan_invitations
        from kaizen.surveys.services.sending import do_send_surveys

        rng = random.Random(options["seed"]) if options.get("seed") is not None else None
        with correlation():
            planned = do_plan_invitations(rng=rng)
            sent = do_send_surveys()
        self.stdout.write(
            json.dumps(
                {"planned": planned.as_json(), "sent": sent.as_json()}, sort_keys=True, indent=2
            )
        )
