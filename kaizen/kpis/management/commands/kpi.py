"""`kaizen kpi list`, `kaizen kpi show KEY`, `kaizen kpi quality KEY` and `kaizen kpi collect`.

    kaizen kpi list [--json]
    kaizen kpi show KEY [--period P] [--by DIM]... [--from DATE] [--to DATE] [--json]
    kaizen kpi quality KEY [--period P] [--from DATE] [--to DATE] [--json]
    kaizen kpi collect [--all | --from DATE [--to DATE]] [--key KEY]... [--period P]...
                       [--by DIM]... [--json]

Dates are days, both inclusive. `show --json` prints
{"kpi": KEY, "unit": UNIT, "rows": [{"period": ..., <dimension>: ..., "value": ..., "n": ...}]}.
"""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from kaizen.analytics.families import breakdown_columns
from kaizen.kpis import engine, quality
from kaizen.kpis.collection import collect_history, collect_recent
from kaizen.kpis.library import UnknownKPI, all_kpis, get_kpi
from kaizen.kpis.models import MeasurementRun, PeriodKind, RunScope
from kaizen.kpis.presenting import quality_panel
from kaizen.kpis.services import DEFAULT_BREAKDOWNS, DEFAULT_PERIOD_KINDS, do_collect_measurements
from kaizen.kpis.spec import PERIODS, KPIDefinition


def parse_day(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD)")
    return day


def find_kpi(key: str) -> KPIDefinition:
    try:
        return get_kpi(key)
    except UnknownKPI:
        raise CommandError(f"unknown KPI {key!r} (`kaizen kpi list` shows every key)") from None


def date_range(options: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """--from and --to (inclusive days) as the engine's [start, end)."""
    start = parse_day("--from", options["from"])
    last = parse_day("--to", options["to"])
    if start and last and last < start:
        raise CommandError("--to: must not be before --from")
    return start, last + dt.timedelta(days=1) if last else None


def definition_summary(definition: KPIDefinition) -> dict[str, Any]:
    return {
        "key": definition.key,
        "name": definition.name,
        "process": definition.process,
        "unit": str(definition.unit),
        "direction": str(definition.direction),
        "formula": definition.formula,
        "target": definition.thresholds.target,
        "warning": definition.thresholds.warning,
        "required_fields": list(definition.required_fields),
        "measurable": definition.measurable,
        "not_measurable_reason": definition.not_measurable_reason,
        "custom": definition.custom,
    }


def format_value(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


class Command(BaseCommand):
    help = "KPIs: list the library, compute one by period and breakdown, check its data."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        listing = commands.add_parser("list", help="every KPI, measurable or not (and why)")
        listing.add_argument("--json", action="store_true", help="print JSON")
        show = commands.add_parser("show", help="compute one KPI")
        quality_check = commands.add_parser("quality", help="data quality of one KPI")
        for command in (show, quality_check):
            command.add_argument("key", help="the KPI's key, e.g. incident.sla_met_pct")
            command.add_argument("--period", choices=PERIODS, default="month")
            command.add_argument("--from", help="first day (YYYY-MM-DD), inclusive")
            command.add_argument("--to", help="last day (YYYY-MM-DD), inclusive")
            command.add_argument("--json", action="store_true", help="print JSON")
        collect = commands.add_parser(
            "collect",
            help="measure KPIs and store the measurements the pages show (syncs the store first)",
            description=(
                "Without options: the recent months, as the hourly task does. --all: the whole "
                "history of the data (what an import triggers). Or choose KPIs, periods, "
                "breakdowns and a range."
            ),
        )
        collect.add_argument("--all", action="store_true", help="the whole history of the data")
        collect.add_argument("--from", help="first day (YYYY-MM-DD), inclusive")
        collect.add_argument("--to", help="last day (YYYY-MM-DD), inclusive")
        collect.add_argument(
            "--key", action="append", default=[], help="a KPI's key; repeat for several"
        )
        collect.add_argument(
            "--period",
            action="append",
            default=[],
            choices=[kind.value for kind in PeriodKind],
            help=f"repeat for several (default: {', '.join(DEFAULT_PERIOD_KINDS)})",
        )
        collect.add_argument(
            "--by",
            action="append",
            default=[],
            metavar="DIMENSION",
            help=f"breakdowns, repeat for several (default: {', '.join(DEFAULT_BREAKDOWNS)})",
        )
        collect.add_argument("--json", action="store_true", help="print JSON")
        show.add_argument(
            "--by",
            action="append",
            default=[],
            metavar="DIMENSION",
            help=f"break down by ({', '.join(breakdown_columns())}); repeat for several",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self.list_kpis(as_json=options["json"])
        elif action == "show":
            self.show(options)
        elif action == "collect":
            self.collect(options)
        else:
            self.quality(options)

    def list_kpis(self, *, as_json: bool) -> None:
        definitions = all_kpis()
        if as_json:
            self.stdout.write(json.dumps([definition_summary(d) for d in definitions]))
            return
        width = max(len(definition.key) for definition in definitions)
        for definition in definitions:
            status = (
                ""
                if definition.measurable
                else f"  not measurable: {definition.not_measurable_reason}"
            )
            self.stdout.write(
                f"{definition.key:<{width}}  {definition.unit:<7}  {definition.name}{status}"
            )

    def show(self, options: dict[str, Any]) -> None:
        definition = find_kpi(options["key"])
        for dimension in options["by"]:
            if dimension not in breakdown_columns():
                raise CommandError(
                    f"--by: unknown dimension {dimension!r}; "
                    f"choose from {', '.join(breakdown_columns())}"
                )
        start, end = date_range(options)
        try:
            result = engine.compute(
                definition, period=options["period"], by=options["by"], start=start, end=end
            )
        except engine.EngineError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
            return
        self.stdout.write(f"{definition.name} ({definition.key}, {definition.unit})")
        header = ["period", *result.by, "value", "n"]
        lines = [
            [str(row["period"]), *(str(row[name]) for name in result.by)]
            + [format_value(row["value"]), str(row["n"])]
            for row in result.rows
        ]
        widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]
        for line in (header, *lines):
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
            )

    def quality(self, options: dict[str, Any]) -> None:
        definition = find_kpi(options["key"])
        start, end = date_range(options)
        try:
            report = quality.data_quality(
                definition, period=options["period"], start=start, end=end
            )
        except engine.EngineError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        # The same sentences as the KPI page's data quality panel (kaizen/kpis/presenting.py).
        panel = quality_panel(report, definition, options["period"])
        self.stdout.write(f"{definition.name}: data quality {panel.label.lower()}")
        for line in panel.lines:
            self.stdout.write(f"  {line}")

    def collect(self, options: dict[str, Any]) -> None:
        chosen = options["key"] or options["period"] or options["by"]
        if options["all"] and (options["from"] or options["to"]):
            raise CommandError("--all: measures the whole history; leave out --from and --to")
        for dimension in options["by"]:
            if dimension not in breakdown_columns():
                raise CommandError(
                    f"--by: unknown dimension {dimension!r}; "
                    f"choose from {', '.join(breakdown_columns())}"
                )
        for key in options["key"]:
            find_kpi(key)
        start, end = date_range(options)
        if options["all"] and not chosen:
            run = collect_history()
        elif not (chosen or start or end):
            run = collect_recent()
        else:
            from kaizen.analytics import sync

            sync.sync()
            run = do_collect_measurements(
                actor=None,
                keys=options["key"] or None,
                period_kinds=options["period"] or DEFAULT_PERIOD_KINDS,
                breakdowns=options["by"] or DEFAULT_BREAKDOWNS,
                start=start,
                end=end,
                scope=RunScope.CHOSEN,
            )
        self.report_run(run, as_json=options["json"])

    def report_run(self, run: MeasurementRun, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "run": run.pk,
                        "scope": run.scope,
                        "kpis": len(run.keys),
                        "period_kinds": run.period_kinds,
                        "breakdowns": run.breakdowns,
                        "start": run.range_start.isoformat() if run.range_start else None,
                        "end": run.range_end.isoformat() if run.range_end else None,
                        "measurements": run.measurements,
                        "not_measurable": [item["key"] for item in run.not_measurable],
                    }
                )
            )
            return
        if run.range_start or run.range_end:
            last = run.range_end - dt.timedelta(days=1) if run.range_end else None
            span = f"from {run.range_start or 'the first data'} to {last or 'the latest data'}"
        else:
            span = "over the whole history of the data"
        breakdowns = f", overall and by {', '.join(run.breakdowns)}" if run.breakdowns else ""
        measured = len(run.keys) - len(run.not_measurable)
        self.stdout.write(
            f"Measured {measured} KPIs by {' and '.join(run.period_kinds)}{breakdowns}, {span}: "
            f"{run.measurements:,} measurements stored."
        )
