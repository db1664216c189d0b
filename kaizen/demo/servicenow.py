"""The demo's real history: the ServiceNow incident event log, imported like any export.

UCI Machine Learning Repository, dataset 498, "Incident management process enriched event
log" (Amaral, Fantinato, Reijers, Peres), CC BY 4.0. The file is not part of Kaizen; the demo
looks for it where the project keeps its datasets, or at KAIZEN_SERVICENOW_LOG.
"""

import os
from collections.abc import Callable
from pathlib import Path

from kaizen.imports.models import ImportKind, ImportRun
from kaizen.imports.services import do_create_import_run, run_import

DEFAULT_LOG = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "datasets"
    / "servicenow-incident-event-log"
    / "incident_event_log.zip"
)


def servicenow_log() -> Path | None:
    configured = os.environ.get("KAIZEN_SERVICENOW_LOG")
    path = Path(configured) if configured else DEFAULT_LOG
    return path if path.is_file() else None


def import_servicenow_log(
    path: Path, on_progress: Callable[[ImportRun], None] | None = None
) -> ImportRun:
    """Import the log (a re-run finds every incident present and creates nothing)."""
    run = do_create_import_run(
        ImportKind.SERVICENOW_EVENTLOG, source_name=f"demo: {path.name}", actor=None
    )
    return run_import(run, path, on_progress=on_progress)


def servicenow_imported() -> bool:
    """Whether the history is in the database already (a re-run with --without-servicenow)."""
    from kaizen.incidents.models import Incident

    return Incident.objects.exclude(imported_from="").exists()
