"""Running an import: stream the file, write records batch by batch, report every bad row.

Each batch (its records, its row errors and the run's counters) commits in one transaction,
so a run killed at any moment leaves whole batches behind; running the same import again skips
the records already imported (the importers key them by the source's own number) and writes
the rest, ending in the same state as one clean run.
"""

import datetime as dt
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from queue import Full
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaizen.core.context import correlation
from kaizen.imports.importers import IMPORTERS, Importer
from kaizen.imports.models import ImportKind, ImportRun, RowError, RunStatus
from kaizen.imports.problems import HISTORY_COUNTS, ParsedRecord, RowProblem
from kaizen.imports.reading import csv_rows, file_digest, open_source
from kaizen.incidents.services.imported import ImportedBatch, ImportReferences
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User

BATCH_SIZE = 1000
STALE_AFTER = dt.timedelta(minutes=2)  # a running import beats its heart after every batch


@transaction.atomic
def do_create_import_run(
    kind: str,
    *,
    source_name: str,
    actor: User | None,
    options: dict[str, Any] | None = None,
    upload: Any = None,
) -> ImportRun:
    run = ImportRun(kind=kind, source_name=source_name, options=options or {}, started_by=actor)
    if upload is not None:
        run.upload = upload
    run.save()
    return run


def mark_stale_runs_interrupted(now: dt.datetime | None = None) -> int:
    """Runs whose process died (no heartbeat for a while) are shown as interrupted."""
    now = now or timezone.now()
    return ImportRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(status=RunStatus.INTERRUPTED, finished_at=now)


def run_import(
    run: ImportRun,
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[ImportRun], None] | None = None,
    on_warnings: Callable[[list[str]], None] | None = None,
) -> ImportRun:
    """Read `path` and import it as `run` says; returns the finished run (or failed, with the
    reason: a file that cannot be read at all). Bad rows do not stop the run. An importer
    that inspects its file first hands its warnings to `on_warnings` before anything is
    written, and keeps them in the summary."""
    importer = IMPORTERS[run.kind]
    mark_stale_runs_interrupted()
    started = time.perf_counter()
    run.status = RunStatus.RUNNING
    run.started_at = run.heartbeat_at = timezone.now()
    run.source_sha256 = file_digest(path)
    run.save()
    reasons: Counter[str] = Counter()
    history: Counter[str] = Counter()
    warnings: list[str] = []
    with correlation():
        try:
            source = importer.source(run.options)
            if importer.inspect is not None:
                warnings = inspect_file(importer, path, run.options).warnings
                if on_warnings:
                    on_warnings(warnings)
            references = ImportReferences(source)
            for batch, bytes_read, size in parsed_batches(importer, path, run.options, batch_size):
                run.bytes_total = size
                _write_batch(
                    run,
                    source,
                    references,
                    batch,
                    bytes_read,
                    reasons,
                    history,
                    number_column=importer.number_column(run.options),
                    write=importer.write,
                    refused_value=importer.refused_value,
                )
                if on_progress:
                    on_progress(run)
            linked = importer.after_run(source) if importer.after_run else {}
        except Exception as exc:  # the file itself is unreadable or a write failed
            run.status = RunStatus.FAILED
            run.failure = str(exc)[:2000]
            run.finished_at = timezone.now()
            run.save()
            raise
        run.status = RunStatus.FINISHED
        run.finished_at = timezone.now()
        run.bytes_read = run.bytes_total
        run.summary = {
            "rows_read": run.rows_read,
            "rows_rejected": run.rows_rejected,
            "records_created": run.records_created,
            "records_already_present": run.records_present,
            "records_refused": run.records_refused,
            "events_written": run.events_written,
            "problems_by_reason": dict(reasons.most_common(50)),
            **(
                {"history": {key: history[key] for key in HISTORY_COUNTS}}
                if run.kind == ImportKind.EVENTLOG_CSV
                else {}
            ),
            **({"warnings": warnings} if warnings else {}),
            **linked,
            "seconds": round(time.perf_counter() - started, 2),
        }
        with transaction.atomic():
            run.save()
            record_event(EventType.IMPORT_RUN_FINISHED, run, actor=run.started_by, data=run.summary)
    return run


def inspect_file(importer: Importer, path: Path, options: dict[str, Any]) -> Any:
    """What the importer's `inspect` makes of the whole file (nothing is written)."""
    assert importer.inspect is not None
    with open_source(path) as opened:
        return importer.inspect(
            csv_rows(opened, required=importer.required_columns(options)), options
        )


Batch = tuple[list[ParsedRecord], int, int]  # records, bytes read so far, bytes in all


def _read_batches(
    importer: Importer, path: Path, options: dict[str, Any], batch_size: int
) -> Iterator[Batch]:
    with open_source(path) as opened:
        rows = csv_rows(opened, required=importer.required_columns(options))
        for batch in _batches(importer.parse(rows, options), batch_size):
            yield batch, opened.bytes_read, opened.size


def _read_in_child(
    importer_kind: str, path: Path, options: dict[str, Any], batch_size: int, queue: Any
) -> None:
    parent = os.getppid()

    def hand_over(item: Any) -> None:
        # If the importing process dies (even by SIGKILL) the queue is never drained: stop
        # rather than wait for it forever.
        while True:
            try:
                queue.put(item, timeout=1)
                return
            except Full:
                if os.getppid() != parent:
                    os._exit(1)

    try:
        for batch in _read_batches(IMPORTERS[importer_kind], path, options, batch_size):
            hand_over(batch)
    except Exception as exc:  # handed to the parent, which raises it
        hand_over(exc)
    hand_over(None)


def parsed_batches(
    importer: Importer, path: Path, options: dict[str, Any], batch_size: int
) -> Iterator[Batch]:
    """The file's records in batches. With a second core, a forked child reads and parses
    while this process writes (the two halves take about the same time); a few batches queue
    between them, so memory stays flat.

    Only a single-threaded process forks (`kaizen import`): a fork copies the locks other
    threads hold at that instant (logging's, the database driver's) and the child can wait on
    one forever. A web server's or a task worker's import reads in its own thread instead."""
    kind = next(kind for kind, known in IMPORTERS.items() if known is importer)
    if (
        (os.cpu_count() or 1) < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1
    ):
        yield from _read_batches(importer, path, options, batch_size)
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=4)
    reader = context.Process(
        target=_read_in_child, args=(kind, path, options, batch_size, queue), daemon=True
    )
    reader.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        if reader.is_alive():
            reader.terminate()
        reader.join()


def _batches(records: Iterator[ParsedRecord], size: int) -> Iterator[list[ParsedRecord]]:
    batch: list[ParsedRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def _write_batch(
    run: ImportRun,
    source: str,
    references: ImportReferences,
    batch: list[ParsedRecord],
    bytes_read: int,
    reasons: Counter[str],
    history: Counter[str],
    *,
    number_column: str,
    write: Callable[..., ImportedBatch],
    refused_value: Callable[[Any], str],
) -> None:
    problems: list[RowProblem] = [problem for parsed in batch for problem in parsed.problems]
    # A number given twice is imported from its first row; the later rows are refused (a
    # unique number). Batches apart, the later one finds it imported: already present.
    first_rows: dict[str, int] = {}
    records = []
    twice = 0
    for parsed in batch:
        if parsed.record is None:
            continue
        number = parsed.record.number
        if number in first_rows:
            reason = (
                f"number {number} is given twice in the file, first on row {first_rows[number]}"
            )
            problems.append(RowProblem(parsed.first_row, reason, number, number_column, number))
            twice += 1
            continue
        first_rows[number] = parsed.first_row
        records.append(parsed.record)
    outcome = write(records, source=source, references=references)
    created = set(outcome.created)
    for parsed in batch:  # what the histories of the incidents this run created hold
        if parsed.counts and parsed.record is not None and parsed.record.number in created:
            history.update(parsed.counts)
    by_number = {record.number: record for record in records}
    for number, reason in outcome.refused.items():
        value = refused_value(by_number[number]) if number in by_number else number
        problems.append(RowProblem(first_rows[number], reason, number, number_column, value))
    RowError.objects.bulk_create(
        [
            RowError(
                run=run,
                row_number=problem.row_number,
                record_key=problem.record_key[:120],
                field=problem.field[:80],
                value=problem.value[:200],
                reason=problem.reason[:300],
            )
            for problem in problems
        ],
        batch_size=1000,
    )
    reasons.update(_reason_kind(problem) for problem in problems)
    run.rows_read += sum(parsed.rows for parsed in batch)
    run.rows_rejected += sum(1 for problem in problems if problem.rejected)
    run.records_created += len(outcome.created)
    run.records_present += len(outcome.already_present)
    run.records_refused += len(outcome.refused) + twice
    run.events_written += outcome.events
    run.bytes_read = bytes_read
    run.heartbeat_at = timezone.now()
    run.save()


def _reason_kind(problem: RowProblem) -> str:
    """Problems grouped for the summary: the field and the kind of fault, not each value or
    record (a refused number names itself)."""
    reason = problem.reason.replace(repr(problem.value), "…") if problem.value else problem.reason
    if problem.record_key:
        reason = reason.replace(problem.record_key, "…")
    return f"{problem.field}: {reason}" if problem.field else reason
