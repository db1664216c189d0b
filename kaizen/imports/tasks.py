"""Imports started on the web run in the task queue (Huey): a large file takes minutes, far
longer than a request may."""

import logging
from pathlib import Path

from huey.contrib.djhuey import db_task

from kaizen.imports.models import ImportRun
from kaizen.imports.reading import SourceError
from kaizen.imports.services import run_import

logger = logging.getLogger(__name__)


@db_task()
def run_uploaded_import(run_id: int) -> None:
    """Import the file uploaded for run `run_id`. The run's counters are saved after every
    batch, which is what its page shows while it goes."""
    run = ImportRun.objects.select_related("started_by").get(pk=run_id)
    try:
        run_import(run, Path(run.upload.path))
    except SourceError as exc:
        # An unreadable file is the file's fault, not a bug: run_import has already marked the
        # run failed with this reason for its page; no traceback is needed in the worker's log.
        logger.info("import run %s failed: %s", run_id, exc)
