"""Task-queue plumbing shared by every app's tasks (`kaizen run_huey` imports each app's
tasks.py). Apps define their tasks with huey.contrib.djhuey's db_task / db_periodic_task."""

from django.db import connections
from huey.contrib.djhuey import on_shutdown


@on_shutdown()
def close_database_connections() -> None:
    """Each worker thread closes its own database connections as the consumer stops, so none
    is left open on the server (tasks keep theirs for DATABASE_CONN_MAX_AGE meanwhile)."""
    connections.close_all()
