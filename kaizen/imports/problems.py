"""What importers report about rows they could not use, and the records they produce."""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MISSING = "?"  # how the ServiceNow export (and many others) writes an empty value


@dataclass
class RowProblem:
    row_number: int
    reason: str
    record_key: str = ""
    field: str = ""
    value: str = ""
    rejected: bool = True  # the whole row was skipped; False: one value was ignored


@dataclass
class ParsedRecord:
    """One record (e.g. an incident with its history) read from `rows` rows of the file, or
    None when nothing usable was left, with what went wrong on the way."""

    record: Any
    rows: int
    problems: list[RowProblem] = field(default_factory=list)
    first_row: int = 0  # the line the record starts on (the header is line 1)
    # What the record's history holds that a run counts (keys of HISTORY_COUNTS).
    counts: dict[str, int] = field(default_factory=dict)


# What a run counts in the histories it imports, in its summary's "history": key -> label.
HISTORY_COUNTS = {
    "opened_resolved": "incidents whose first event resolves or closes them",
    "reopens": "reopens (Resolved back to In progress)",
    "cases_reopened": "incidents reopened at least once",
    "closures_undone": "closures followed by a reopen, imported as resolutions",
    "cancellations_undone": "cancellations followed by more work, kept without cancelling",
}


def is_missing(value: str | None) -> bool:
    return value is None or value.strip() in ("", MISSING)


@lru_cache(maxsize=1 << 16)  # exports repeat the same names on most rows
def clean(value: str | None) -> str | None:
    """The value with whitespace runs collapsed, or None when the source left it empty."""
    if is_missing(value):
        return None
    return " ".join(value.split())
