"""Bulk work spread over forked worker processes, where they see what this process sees.

Used by the long runs of the command line (an SLA recompute, an analytics rebuild): each job
opens its own database connection in its worker, so the jobs must not depend on this
process's open transaction. Web requests and the task worker's threads must not fork: their
callers keep the default of one worker, which runs every job here, in order.
"""

import gc
import multiprocessing
import multiprocessing.util
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from django.db import connection, connections

Job = TypeVar("Job")
Result = TypeVar("Result")


def workers_default() -> int:
    """Worker processes for a command-line run: the CPUs this process may use, at most 4.
    On SQLite writers take turns on its one write lock, so beyond a few workers more only
    queue."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def usable_workers(requested: int) -> int:
    """Worker processes only where they see what this process sees: not inside a transaction
    (they would not see its uncommitted rows), not on an in-memory SQLite database (each
    process would open its own, empty one), and only where processes can be forked (they
    inherit what this process has loaded)."""
    if requested <= 1 or connection.in_atomic_block:
        return 1
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return requested


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Keep the objects that exist before a bulk run out of the cycle collector's passes.

    A batch builds some 10^5 small containers (rows, states, results) that live until it
    ends; the full collections they trigger would also walk every object Django and the apps
    have loaded. Nothing is lost: unfreeze() returns the objects to the oldest generation.
    Forked workers inherit the frozen heap, which also keeps the collector from touching (and
    so copying) the pages they share with this process."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def close_connection_pools() -> None:
    """Close this process's PostgreSQL connection pools (psycopg's, DATABASE_POOL_MAX_SIZE):
    a forked process would inherit the pool's open connections and use their sockets at the
    same time as its parent ("lost synchronization with server"). The next query opens a new
    pool."""
    for database in connections.all(initialized_only=True):
        pools = getattr(database, "_connection_pools", {})
        if database.alias in pools:
            database.close_pool()


def _close_all() -> None:
    connections.close_all()
    close_connection_pools()


def _start_worker(initializer: Callable[..., None] | None, initargs: Sequence[Any]) -> None:
    # Close this process's own connection (and pool) when it exits normally.
    multiprocessing.util.Finalize(None, _close_all, exitpriority=0)
    if initializer is not None:
        initializer(*initargs)


def run_jobs(
    function: Callable[[Job], Result],
    jobs: Iterable[Job],
    *,
    workers: int,
    ordered: bool = True,
    initializer: Callable[..., None] | None = None,
    initargs: Sequence[Any] = (),
) -> Iterator[Result]:
    """`function(job)` for every job, in `usable_workers(workers)` forked processes (each
    set up by `initializer(*initargs)`, which a fork passes without pickling), or here in
    order when that is one. Results come back in the jobs' order, or as they finish when
    not `ordered`. `function` must be a module-level function (it is sent by name). A worker
    that dies (killed, crashed) fails the run with BrokenProcessPool instead of hanging it."""
    workers = usable_workers(workers)
    if workers == 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(function, jobs)
        return
    # A forked process must not share this process's database connection, nor its pool's:
    # close them so each worker opens its own. This process does not touch the database again
    # until the pool is done.
    _close_all()
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    ) as pool:
        yield from _in_window(pool, function, iter(jobs), 2 * workers, ordered)


def _in_window(
    pool: ProcessPoolExecutor,
    function: Callable[[Job], Result],
    jobs: Iterator[Job],
    window: int,
    ordered: bool,
) -> Iterator[Result]:
    """At most `window` jobs submitted and not yet taken back: results wait in memory only
    that long when the caller is slower than the workers."""
    pending: deque[Future] = deque(pool.submit(function, job) for job in islice(jobs, window))
    while pending:
        if ordered:
            done = pending.popleft()
        else:
            done = next(iter(wait(pending, return_when=FIRST_COMPLETED).done))
            pending.remove(done)
        pending.extend(pool.submit(function, job) for job in islice(jobs, 1))
        yield done.result()
