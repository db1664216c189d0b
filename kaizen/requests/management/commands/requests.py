"""`kaizen requests apply-due-approvals`: the periodic request work run once (the task worker
runs it on its own: kaizen/requests/tasks.py)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.core.context import correlation
from kaizen.requests.services import approvals


class Command(BaseCommand):
    help = "Service requests: apply the default action of approval steps past their due time."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "apply-due-approvals",
            help="approve or reject (as each step says) the approval steps past their due time",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with correlation():
            done = approvals.do_apply_due_approvals()
        self.stdout.write(json.dumps(done, sort_keys=True))
