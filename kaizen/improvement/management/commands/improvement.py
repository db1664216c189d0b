"""`kaizen improvement scan` and `kaizen improvement evaluate`.

    kaizen improvement scan [--on DATE] [--json]
    kaizen improvement evaluate [--on DATE] [--json]

`scan` looks for improvement opportunities in the measurements and records them (see
kaizen.improvement.services.opportunities); `--json` prints the ScanResult: {"created":
[{"id", "kind", "title", "strength"}], "updated": [...], "reopened": [...], "unchanged": [...],
"skipped": {kind: reason}, "notes": {kind: note}}. `--on` scans as of another day (default
today).

`evaluate` evaluates, as the system, every initiative whose evaluation window ended before
today (or `--on`), as the daily task does (kaizen.improvement.tasks.evaluate_due_initiatives);
`--json` prints {"evaluated": [{"initiative": id, "target_met": bool}], "refused": {id:
reason}}.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.core.context import correlation
from kaizen.improvement.models import Initiative
from kaizen.improvement.services.opportunities import ScanResult, do_scan_opportunities
from kaizen.kpis.management.commands.kpi import format_value, parse_day

OUTCOMES = (("created", "+"), ("reopened", "^"), ("updated", "~"), ("unchanged", "="))


class Command(BaseCommand):
    help = "Continual improvement: scan for opportunities, evaluate finished initiatives."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        scan = commands.add_parser("scan", help="look for improvement opportunities in the data")
        evaluate = commands.add_parser(
            "evaluate", help="evaluate the initiatives whose evaluation window has ended"
        )
        for command in (scan, evaluate):
            command.add_argument("--on", help="as of this day (YYYY-MM-DD); default today")
            command.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        with correlation():  # one correlation id for every journal event of the run
            if options["action"] == "scan":
                self.scan(options)
            else:
                self.evaluate(options)

    def scan(self, options: dict[str, Any]) -> None:
        result = do_scan_opportunities(today=parse_day("--on", options["on"]))
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
            return
        self.write_scan(result)

    def write_scan(self, result: ScanResult) -> None:
        counts = result.counts()
        self.stdout.write(", ".join(f"{counts[name]} {name}" for name, _ in OUTCOMES))
        for name, mark in OUTCOMES:
            for item in getattr(result, name):
                self.stdout.write(
                    f"  {mark} #{item['id']} [{item['kind']}] {item['title']}"
                    f" (strength {format_value(item['strength'])})"
                )
        for kind, reason in result.skipped.items():
            self.stdout.write(f"  skipped {kind}: {reason}")
        for kind, note in result.notes.items():
            self.stdout.write(f"  note on {kind}: {note}")

    def evaluate(self, options: dict[str, Any]) -> None:
        from kaizen.improvement.tasks import evaluate_due_initiatives

        outcome = evaluate_due_initiatives(today=parse_day("--on", options["on"]))
        if options["json"]:
            self.stdout.write(json.dumps(outcome))
            return
        evaluated, refused = outcome["evaluated"], outcome["refused"]
        self.stdout.write(f"{len(evaluated)} evaluated, {len(refused)} refused")
        references = {
            initiative.pk: initiative.reference
            for initiative in Initiative.objects.filter(
                pk__in=[item["initiative"] for item in evaluated] + list(refused)
            )
        }
        for item in evaluated:
            verdict = "target met" if item["target_met"] else "target not met"
            self.stdout.write(f"  {references.get(item['initiative'])}: {verdict}")
        for pk, reason in refused.items():
            self.stdout.write(f"  {references.get(pk)}: not evaluated: {reason}")
