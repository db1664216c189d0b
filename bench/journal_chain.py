"""The journal's hash chain over a large history: checking it, and chaining stored events.

    .venv/bin/python bench/journal_chain.py --incidents 30000 [--database-url postgres://...]

Seeds incidents with their journal events (chained as they are written, through
`JournalEvent.objects.bulk_create`), then times `verify_chain` (what `kaizen journal verify
--chain-only` runs) and the migration step that chains events stored before the chain
(journal migration 0005, run over every event again). Prints one JSON object with both times,
the events per second and the load average before each: the machine may be shared.
"""

import argparse
import importlib
import json
import os
import time
import types

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=30_000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from django.apps import apps
    from django.db import connection, transaction
    from seed import seed_incidents

    from kaizen.journal.verify import verify_chain

    result: dict = {"database": vendor}
    result["seeded"] = seed_incidents(args.incidents, seed=args.seed, with_journal=True)
    events = result["seeded"]["events"]

    result["verify_load"] = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - started
    assert report.broken is None and report.events >= events, report
    result["verify_s"] = round(seconds, 2)
    result["verify_events_per_s"] = round(report.events / seconds)

    migration = importlib.import_module("kaizen.journal.migrations.0005_event_hash_chain")
    result["migration_load"] = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    with transaction.atomic():
        migration.chain_stored_events(apps, types.SimpleNamespace(connection=connection))
    seconds = time.perf_counter() - started
    result["migration_s"] = round(seconds, 2)
    result["migration_events_per_s"] = round(report.events / seconds)
    assert verify_chain().head == report.head  # the same chain, hashed again
    print(json.dumps(result))


if __name__ == "__main__":
    main()
