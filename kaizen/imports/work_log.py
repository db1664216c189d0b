"""Work logs: what a discovery scan, monitoring or an audit log saw done on configuration
items, one row per piece of work. Each row is matched to the change that covers it (its window
holds the moment, give or take an hour) and journaled on it, or recorded as an unauthorised
change for the change manager to review (kaizen/changes/services/imported.py, the same path as
`POST /api/v1/changes/detected-work/`).

    configuration_item,seen_at,description,source
    sw-core-01,2026-03-02T10:30:00+00:00,Firmware changed from 9.1 to 9.3,discovery

`source` may be left out (the run's `--source`, else "work log"); a time without an offset is
in the run's time zone. A sighting already recorded (the same CI, moment, source and
description, by an earlier run or the API) is counted as already present: a re-run records
nothing twice."""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ConfigurationItem
from kaizen.changes.services.imported import do_record_detected_work
from kaizen.imports.eventlog import read_time
from kaizen.imports.problems import ParsedRecord, RowProblem, clean
from kaizen.imports.reading import Row
from kaizen.incidents.services.imported import ImportedBatch

REQUIRED_COLUMNS = ("configuration_item", "seen_at", "description")
DEFAULT_SOURCE = "work log"
MAX_SOURCE = 40  # what a change keeps of where it was seen (Change.imported_from)


@dataclass(frozen=True)
class SeenWork:
    """One row: work seen on a configuration item. `number` is how the run names it (in its
    problems, and to find the same row given twice)."""

    number: str
    configuration_item: str
    seen_at: dt.datetime
    description: str
    source: str


def source_of(options: dict[str, Any]) -> str:
    return (options.get("source") or "").strip()[:MAX_SOURCE] or DEFAULT_SOURCE


def parse(
    rows: Iterable[Row], *, options: dict[str, Any], default_time_zone: str
) -> Iterator[ParsedRecord]:
    time_zone = ZoneInfo(options.get("time_zone") or default_time_zone)
    default_source = source_of(options)
    for row in rows:
        if "__width__" in row.values:
            reason = f"wrong number of cells: {row.values['__width__']}"
            yield ParsedRecord(None, 1, [RowProblem(row.number, reason)], first_row=row.number)
            continue
        yield _seen(row, time_zone, default_source)


def _seen(row: Row, time_zone: ZoneInfo, default_source: str) -> ParsedRecord:
    values = row.values
    ci = clean(values.get("configuration_item"))
    description = (values.get("description") or "").strip()
    stamp = clean(values.get("seen_at"))
    source = (clean(values.get("source")) or default_source)[:MAX_SOURCE]
    fault: tuple[str, str, str] | None = None  # column, value, why
    seen_at = None
    if not ci:
        fault = ("configuration_item", "", "the row names no configuration item")
    elif not stamp:
        fault = ("seen_at", "", "the row says not when the work was seen")
    else:
        try:
            seen_at = read_time(stamp, None, time_zone)
        except ValueError:
            fault = ("seen_at", stamp, "not a time (use ISO 8601, e.g. 2026-03-02T10:30:00)")
    if fault is None and not description:
        fault = ("description", "", "the row says not what was seen")
    key = f"{ci} {stamp}" if ci and stamp else f"row {row.number}"
    if fault is not None:
        column, value, reason = fault
        problem = RowProblem(row.number, reason, key, column, value)
        return ParsedRecord(None, 1, [problem], first_row=row.number)
    assert ci is not None and seen_at is not None
    work = SeenWork(key, ci, seen_at, description, source)
    return ParsedRecord(work, 1, first_row=row.number)


def record_seen_work(records: Iterable[SeenWork], *, source: str, **_: Any) -> ImportedBatch:
    """Record a batch of sightings: created are those journaled now (on the change covering
    them, or on a new unauthorised change), already present those recorded before; a row whose
    CI Kaizen does not know, or that the change rules refuse, is refused with the reason."""
    records = list(records)
    outcome = ImportedBatch()
    names = {work.configuration_item for work in records}
    cis = {ci.name: ci for ci in ConfigurationItem.objects.filter(name__in=names)}
    for work in records:
        ci = cis.get(work.configuration_item)
        if ci is None:
            outcome.refused[work.number] = (
                f"no configuration item is named {work.configuration_item!r}"
            )
            continue
        try:
            with transaction.atomic():
                sighting = do_record_detected_work(
                    ci,
                    seen_at=work.seen_at,
                    description=work.description,
                    source=work.source,
                    actor=None,
                )
        except ValidationError as error:
            outcome.refused[work.number] = "; ".join(error.messages)
            continue
        if sighting.already_recorded:
            outcome.already_present.append(work.number)
        else:
            outcome.created.append(work.number)
            outcome.events += 1
    return outcome
