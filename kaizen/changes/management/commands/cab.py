"""`kaizen cab due` and `kaizen cab plan [--weeks N]`: the periodic CAB work run once (the task
worker runs it on its own: kaizen/changes/tasks.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.changes.services import approvals, meetings
from kaizen.core.context import correlation


class Command(BaseCommand):
    help = "Authorisation by the CAB: apply due default actions, or plan the weekly meetings."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "due",
            help="apply the default action of every approval round past its due time, and end "
            "the rounds of changes no longer waiting for their vote",
        )
        plan = commands.add_parser("plan", help="plan the meetings of the CAB schedules")
        plan.add_argument("--weeks", type=int, default=None, help="weeks ahead (default: setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        with correlation():
            if options["action"] == "due":
                done = approvals.do_apply_due_actions()
            else:
                done = {"planned": meetings.do_plan_scheduled_meetings(weeks=options["weeks"])}
        self.stdout.write(json.dumps(done, sort_keys=True))
