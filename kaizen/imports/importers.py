"""The kinds of file Kaizen imports: how each becomes records (one `Importer` per kind)."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kaizen.imports import (
    eventlog,
    eventlog_mapping,
    eventlog_profile,
    linked_changes,
    linked_problems,
    request_tickets,
    servicenow,
    tickets,
    work_log,
)
from kaizen.imports.models import ImportKind
from kaizen.imports.problems import ParsedRecord
from kaizen.incidents.services.imported import (
    ImportedBatch,
    do_import_incidents,
)


@dataclass(frozen=True)
class Importer:
    """How one kind of file becomes records, given the run's options: the label its records
    are kept under (re-runs skip what that source imported), the columns it cannot do
    without, a parser of rows into records (ImportedIncidents for the ticket files), and the
    column holding a record's number (named when the number is refused)."""

    source: Callable[[dict[str, Any]], str]
    required_columns: Callable[[dict[str, Any]], tuple[str, ...]]
    parse: Callable[[Iterable[Any], dict[str, Any]], Iterator[ParsedRecord]]
    number_column: Callable[[dict[str, Any]], str]
    # Reads the whole file before the run (and for the preview): what it holds and what will
    # not be read as the person may expect (`warnings`, shown before anything is written).
    inspect: Callable[[Iterable[Any], dict[str, Any]], Any] | None = None
    # Runs once the records are written, given the source label: what else the file's
    # records name (the changes a ServiceNow log names); its counts go in the run's summary.
    after_run: Callable[[str], dict[str, int]] | None = None
    # Writes one batch of parsed records (in the batch's transaction); incidents by default.
    write: Callable[..., ImportedBatch] = do_import_incidents
    # What a run made of its records, after their count in its summary ("12 incidents created").
    created_phrase: str = "incidents created"
    # The value a refused record's problem names, in its `number_column` (the number itself).
    refused_value: Callable[[Any], str] = lambda record: record.number


def _servicenow_named(source: str) -> dict[str, int]:
    """What a ServiceNow log's incidents name: the changes, then the problems."""
    return {
        **linked_changes.link_named_changes(source),
        **linked_problems.link_named_problems(source),
    }


def _parse_tickets(rows: Iterable[Any], options: dict[str, Any]) -> Iterator[ParsedRecord]:
    """A ticket export's rows: incidents, or service requests for a mapping with
    `record = "request"`."""
    mapping = options["mapping"]
    reader = request_tickets if request_tickets.is_request_mapping(mapping) else tickets
    return reader.parse(rows, mapping=mapping, default_time_zone=settings.TIME_ZONE)


def _write_tickets(records: list[Any], **kwargs: Any) -> ImportedBatch:
    if records and isinstance(records[0], request_tickets.ImportedRequest):
        return request_tickets.do_import_requests(records, **kwargs)
    return do_import_incidents(records, **kwargs)


def _time_zone(options: dict[str, Any]) -> str:
    return options.get("time_zone") or settings.TIME_ZONE


IMPORTERS: dict[str, Importer] = {
    ImportKind.SERVICENOW_EVENTLOG: Importer(
        source=lambda options: servicenow.SOURCE,
        required_columns=lambda options: servicenow.REQUIRED_COLUMNS,
        parse=lambda rows, options: servicenow.parse(rows, time_zone=_time_zone(options)),
        number_column=lambda options: "number",
        after_run=_servicenow_named,
    ),
    ImportKind.TICKETS_CSV: Importer(
        source=lambda options: str(options["mapping"].get("source", "tickets-csv")).strip(),
        required_columns=lambda options: tickets.required_columns(options["mapping"]),
        parse=_parse_tickets,
        number_column=lambda options: options["mapping"]["columns"]["number"],
        write=_write_tickets,
    ),
    ImportKind.EVENTLOG_CSV: Importer(
        source=eventlog_mapping.source_of,
        required_columns=eventlog.required_columns,
        parse=lambda rows, options: eventlog.parse(
            rows, options=options, default_time_zone=settings.TIME_ZONE
        ),
        number_column=lambda options: options["case"],
        inspect=eventlog_profile.inspect,
    ),
    ImportKind.WORK_LOG_CSV: Importer(
        source=work_log.source_of,
        required_columns=lambda options: work_log.REQUIRED_COLUMNS,
        parse=lambda rows, options: work_log.parse(
            rows, options=options, default_time_zone=settings.TIME_ZONE
        ),
        number_column=lambda options: "configuration_item",
        write=work_log.record_seen_work,
        created_phrase="sightings of work recorded",
        refused_value=lambda work: work.configuration_item,
    ),
}
