"""What a file would import, read before anything is written: its first rows and the
records they make."""

from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from kaizen.imports.importers import IMPORTERS
from kaizen.imports.problems import RowProblem
from kaizen.imports.reading import csv_rows, open_source
from kaizen.imports.services import inspect_file


@dataclass
class PreviewResult:
    columns: list[str]
    rows: list[dict[str, str]]  # the first raw rows
    records: list[Any]  # what those rows become
    problems: list[RowProblem]
    profile: Any = None  # what the importer's `inspect` makes of the whole file, if asked


def preview_file(
    kind: str, path: Path, options: dict[str, Any], limit: int = 10, *, whole: bool = False
) -> PreviewResult:
    """The first `limit` rows of a file and the records they make, without writing anything;
    `whole`: also what the importer's `inspect` says of the whole file (for an event log, every
    activity and what it does, and the warnings). Raises SourceError when the file cannot be
    read or lacks a required column."""
    importer = IMPORTERS[kind]
    with open_source(path) as opened:
        rows = csv_rows(opened, required=importer.required_columns(options))
        first = list(islice(rows, limit))
    with open_source(path) as opened:
        rows = islice(csv_rows(opened, required=importer.required_columns(options)), limit)
        parsed = list(importer.parse(rows, options))
    columns = [name for name in (first[0].values if first else {}) if name != "__width__"]
    return PreviewResult(
        columns=columns,
        rows=[row.values for row in first],
        records=[record.record for record in parsed if record.record is not None],
        problems=[problem for record in parsed for problem in record.problems],
        profile=inspect_file(importer, path, options)
        if whole and importer.inspect is not None
        else None,
    )
