"""`kaizen analytics sync` and `kaizen analytics rebuild`."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.analytics.sync import DEFAULT_BATCH_SIZE, SyncReport, rebuild, sync
from kaizen.core.processes import workers_default


class Command(BaseCommand):
    help = "The analytics store: catch up with the journal, or rebuild every fact from scratch."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for name, help_text in (
            ("sync", "apply the journal events since the last sync (a rebuild on an empty store)"),
            ("rebuild", "drop every fact and fill the store again"),
        ):
            action = actions.add_parser(name, help=help_text)
            action.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
            action.add_argument(
                "--workers",
                type=int,
                default=workers_default(),
                help="processes reading the chunks of a rebuild (default: the CPUs available, "
                "at most 4; 1 reads everything in this process)",
            )
            action.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        run = sync if options["action"] == "sync" else rebuild
        report = run(batch_size=options["batch_size"], workers=options["workers"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            self.stdout.write(describe(report))


def describe(report: SyncReport) -> str:
    verb = "Rebuilt" if report.mode == "rebuild" else "Synced"
    scope = " (every record refreshed)" if report.refreshed_all else ""
    return (
        f"{verb} the analytics store in {report.seconds} s: {report.events} journal events read, "
        f"{report.written()} written{scope}; journal cursor at {report.cursor}."
    )
