"""Import the whole ServiceNow incident event log (141,712 rows) into a fresh database.

    .venv/bin/python bench/import_servicenow.py                      # SQLite
    .venv/bin/python bench/import_servicenow.py --database-url postgres://...

Times `kaizen import servicenow-eventlog` end to end (reading the zip, parsing, creating
people/teams/categories/CIs/locations, incidents and their journal events), then a second run
of the same file (everything already present). Prints one JSON object.
Data: UCI dataset 498 (Amaral, Fantinato, Reijers, Peres), CC BY 4.0.
"""

import argparse
import json
import time
from pathlib import Path

from _setup import ROOT, setup_django

DATASET = ROOT.parent / "shared" / "datasets" / "servicenow-incident-event-log"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", type=Path, default=DATASET / "incident_event_log.zip")
    parser.add_argument("--database-url")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)

    from kaizen.imports.models import ImportKind
    from kaizen.imports.services import do_create_import_run, run_import
    from kaizen.journal.models import JournalEvent

    timings = []
    for _ in range(2):
        run = do_create_import_run(
            ImportKind.SERVICENOW_EVENTLOG, source_name=str(args.path), actor=None
        )
        started = time.perf_counter()
        run = run_import(run, args.path, batch_size=args.batch_size)
        timings.append((time.perf_counter() - started, run))
    (first_s, first), (second_s, second) = timings
    print(
        json.dumps(
            {
                "database": vendor,
                "rows": first.rows_read,
                "incidents_created": first.records_created,
                "rows_rejected": first.rows_rejected,
                "journal_events": JournalEvent.objects.count(),
                "import_s": round(first_s, 2),
                "rows_per_s": round(first.rows_read / first_s),
                "rerun_s": round(second_s, 2),
                "rerun_created": second.records_created,
            }
        )
    )


if __name__ == "__main__":
    main()
