"""`kaizen import servicenow-eventlog PATH` (and the other importers): stream a file in.

Prints a progress bar on a terminal, then the run's summary (as JSON with --json). The exit
status is 0 when the run finished, even with rejected rows (they are listed in the summary and
kept on the run); 1 when the file could not be read.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kaizen.imports.models import ImportKind, ImportRun
from kaizen.imports.reading import SourceError
from kaizen.imports.services import do_create_import_run, run_import

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Import tickets and their history from another tool's export."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        servicenow = kinds.add_parser(
            ImportKind.SERVICENOW_EVENTLOG, help="the ServiceNow incident event log (csv/zip/gz)"
        )
        servicenow.add_argument("path", type=Path)
        servicenow.add_argument(
            "--time-zone", help="time zone of the log's times (default: KAIZEN_TIME_ZONE)"
        )
        for sub in (servicenow,):
            sub.add_argument("--batch-size", type=int, default=1000)
            sub.add_argument("--json", action="store_true", help="print the summary as JSON")
            sub.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        run_options = {"time_zone": options.get("time_zone")}
        run = do_create_import_run(
            options["kind"], source_name=str(path), actor=None, options=run_options
        )
        show_progress = not options["json"] and not options["no_progress"]
        bar = tqdm(
            total=path.stat().st_size if path.is_file() else None,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=not show_progress,
            file=self.stderr._out,
        )

        def progress(current: ImportRun) -> None:
            bar.total = current.bytes_total
            bar.n = current.bytes_read
            bar.set_postfix(rows=current.rows_read, created=current.records_created)
            bar.refresh()

        try:
            run = run_import(run, path, batch_size=options["batch_size"], on_progress=progress)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self._report(run, as_json=options["json"])

    def _report(self, run: ImportRun, *, as_json: bool) -> None:
        problems = list(run.row_errors.all()[:SHOWN_PROBLEMS])
        if as_json:
            shown = [
                {
                    "row": p.row_number,
                    "record": p.record_key,
                    "field": p.field,
                    "value": p.value,
                    "reason": p.reason,
                }
                for p in problems
            ]
            self.stdout.write(json.dumps({"run": run.pk, **run.summary, "problems": shown}))
            return
        summary = run.summary
        self.stdout.write(
            f"Import {run.pk} of {run.source_name}: {summary['rows_read']} rows read, "
            f"{summary['records_created']} incidents created, "
            f"{summary['records_already_present']} already present, "
            f"{summary['records_refused']} refused, {summary['rows_rejected']} rows rejected, "
            f"{summary['events_written']} journal events, {summary['seconds']} s."
        )
        for problem in problems:
            where = f" {problem.field}={problem.value!r}" if problem.field else ""
            self.stdout.write(
                f"  row {problem.row_number} {problem.record_key}{where}: {problem.reason}"
            )
        remaining = run.row_errors.count() - len(problems)
        if remaining > 0:
            self.stdout.write(f"  ... and {remaining} more (see the import's page)")
