"""`kaizen import servicenow-eventlog PATH` (and the other importers): stream a file in.

An event log is read once first: its warnings (activities not mapped to a state, values that
will be defaulted) are printed before anything is written. Then a progress bar on a terminal
(plain lines every few seconds when stderr is not one), then the run's summary (as JSON with
--json, the warnings in it). The exit status is 0 when the run finished, even
with rejected rows (they are listed in the summary and kept on the run); 1 when the file could
not be read.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaizen.core.progress import Progress
from kaizen.imports.eventlog_mapping import load_eventlog_mapping
from kaizen.imports.importers import IMPORTERS
from kaizen.imports.models import ImportKind, ImportRun
from kaizen.imports.problems import HISTORY_COUNTS
from kaizen.imports.reading import SourceError
from kaizen.imports.services import do_create_import_run, run_import
from kaizen.imports.tickets import MappingError, load_mapping

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
        tickets_csv = kinds.add_parser(
            ImportKind.TICKETS_CSV, help="one row per ticket, read through a mapping file"
        )
        tickets_csv.add_argument("path", type=Path)
        tickets_csv.add_argument(
            "--mapping", type=Path, required=True, help="TOML, YAML or JSON mapping file"
        )
        events = kinds.add_parser(
            ImportKind.EVENTLOG_CSV, help="a process-mining event log (one row per activity)"
        )
        events.add_argument("path", type=Path)
        events.add_argument("--case", required=True, help="the column of the case id")
        events.add_argument("--activity", required=True, help="the column of the activity")
        events.add_argument("--timestamp", required=True, help="the column of the time")
        events.add_argument("--resource", help="the column of who did the activity")
        events.add_argument(
            "--attribute",
            action="append",
            default=[],
            dest="attributes",
            help="a column kept as a source attribute (repeatable)",
        )
        events.add_argument("--timestamp-format", help="strptime format (default: ISO 8601)")
        events.add_argument("--source", help="the tool's name kept on each incident")
        events.add_argument(
            "--mapping",
            type=Path,
            help="TOML, YAML or JSON mapping file: activities to states, resources to people or "
            "teams, channel/priority/impact/urgency columns and value maps",
        )
        events.add_argument("--time-zone", help="for times without an offset")
        work = kinds.add_parser(
            ImportKind.WORK_LOG_CSV,
            help="work seen on configuration items (configuration_item, seen_at, description, "
            "source): matched to its change or recorded as an unauthorised change",
        )
        work.add_argument("path", type=Path)
        work.add_argument("--source", help='where the work was seen (default: "work log")')
        work.add_argument("--time-zone", help="for times without an offset")
        for sub in (servicenow, tickets_csv, events, work):
            sub.add_argument("--batch-size", type=int, default=1000)
            sub.add_argument("--json", action="store_true", help="print the summary as JSON")
            sub.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        run_options = self._run_options(options)
        run = do_create_import_run(
            options["kind"], source_name=str(path), actor=None, options=run_options
        )
        show_progress = not options["json"] and not options["no_progress"]
        bar = Progress(
            self.stderr._out,
            path.name,
            total=path.stat().st_size if path.is_file() else None,
            unit="B",
            unit_scale=True,
            enabled=show_progress,
        )

        def progress(current: ImportRun) -> None:
            bar.update(
                current.bytes_read,
                total=current.bytes_total,
                rows=current.rows_read,
                created=current.records_created,
            )

        def warn(warnings: list[str]) -> None:
            # Before anything is written: a run that would read nothing as meant can be stopped.
            if not options["json"]:
                for warning in warnings:
                    self.stdout.write(f"Warning: {warning}")
                self.stdout.flush()

        try:
            run = run_import(
                run,
                path,
                batch_size=options["batch_size"],
                on_progress=progress,
                on_warnings=warn,
            )
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self._report(run, as_json=options["json"])

    def _run_options(self, options: dict[str, Any]) -> dict[str, Any]:
        kind = options["kind"]
        if kind == ImportKind.TICKETS_CSV:
            return {"mapping": _read_mapping(options["mapping"], load_mapping)}
        if kind == ImportKind.EVENTLOG_CSV:
            run_options = {
                name: options[name]
                for name in (
                    "case",
                    "activity",
                    "timestamp",
                    "resource",
                    "attributes",
                    "timestamp_format",
                    "source",
                    "time_zone",
                )
            }
            if options["mapping"] is not None:
                mapping = _read_mapping(options["mapping"], load_eventlog_mapping)
                named = mapping.get("source")
                if named and options["source"] and str(named).strip() != options["source"]:
                    raise CommandError(
                        f"--source {options['source']!r} and the mapping's source {named!r} "
                        "differ: re-runs are keyed by the source, give one"
                    )
                run_options["mapping"] = mapping
            return run_options
        if kind == ImportKind.WORK_LOG_CSV:
            return {"source": options.get("source"), "time_zone": options.get("time_zone")}
        return {"time_zone": options.get("time_zone")}

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
            f"{summary['records_created']} {IMPORTERS[run.kind].created_phrase}, "
            f"{summary['records_already_present']} already present, "
            f"{summary['records_refused']} refused, {summary['rows_rejected']} rows rejected, "
            f"{summary['events_written']} journal events, {summary['seconds']} s."
        )
        history = summary.get("history")
        if history:
            self.stdout.write(
                "History: "
                + "; ".join(
                    f"{label}: {history.get(key, 0)}" for key, label in HISTORY_COUNTS.items()
                )
                + "."
            )
        for problem in problems:
            where = f" {problem.field}={problem.value!r}" if problem.field else ""
            self.stdout.write(
                f"  row {problem.row_number} {problem.record_key}{where}: {problem.reason}"
            )
        remaining = run.row_errors.count() - len(problems)
        if remaining > 0:
            self.stdout.write(f"  ... and {remaining} more (see the import's page)")


def _read_mapping(path: Path, load: Callable[[str, str], dict[str, Any]]) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"--mapping: cannot read {path} ({exc})") from exc
    try:
        return load(text, path.name)
    except MappingError as exc:
        raise CommandError(f"--mapping {path}: {exc}") from exc
