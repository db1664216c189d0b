"""The real ServiceNow event log (../shared/datasets, CC BY 4.0, UCI dataset 498 by Amaral,
Fantinato, Reijers and Peres) and slices of it written for a test."""

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

DATASET = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "datasets"
    / "servicenow-incident-event-log"
    / "incident_event_log.zip"
)
# Incidents with rows the importer must reject (state -100), kept in every slice.
INCIDENTS_WITH_BAD_ROWS = ("INC0028089", "INC0030413")


def read_dataset(
    first_incidents: int, also: tuple[str, ...] = ()
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the first `first_incidents` incidents plus those in `also`,
    read with the plain csv module (never Kaizen code)."""
    if not DATASET.exists():
        pytest.skip(f"dataset not found at {DATASET}")
    rows: list[list[str]] = []
    seen: list[str] = []
    with zipfile.ZipFile(DATASET) as archive, archive.open("incident_event_log.csv") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader)
        if not first_incidents and not also:
            return header, []
        for row in reader:
            number = row[0]
            if not seen or seen[-1] != number:
                seen.append(number)
            if len(seen) <= first_incidents or number in also:
                rows.append(row)
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def dataset_slice(tmp_path_factory) -> tuple[Path, list[dict[str, str]]]:
    """A CSV of the first 1,000 incidents of the real log plus the ones with bad rows, and its
    rows as dicts for computing expectations."""
    header, rows = read_dataset(1000, INCIDENTS_WITH_BAD_ROWS)
    path = write_csv(tmp_path_factory.mktemp("servicenow") / "slice.csv", header, rows)
    return path, [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def small_log(tmp_path) -> Callable[[list[dict[str, str]]], Path]:
    """Write a hand-made event log: each row a dict over the real log's columns (others '?')."""

    def write(rows: list[dict[str, str]]) -> Path:
        header, _ = read_dataset(0)
        full = [[row.get(column, "?") for column in header] for row in rows]
        return write_csv(tmp_path / "log.csv", header, full)

    return write
