"""Shared data of the import page tests: the importer persona, a small hand-made ServiceNow
log, uploads and runs with row errors."""

from functools import partial
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.imports.models import ImportKind, ImportRun, RowError, RunStatus
from kaizen.imports.services import do_create_import_run
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, User
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries
from kaizen.testing import make_user

LIST = "/imports/"
NEW = "/imports/new/"

# Two incidents in the real log's format: INC0000001 goes New (with a group) -> Active (with
# an assignee) -> Resolved; INC0000002 has a row with the bad state -100 (file line 5), then
# a good one.
_COMMON = {
    "caller_id": "Caller 1",
    "opened_at": "1/3/2016 09:00",
    "impact": "2 - Medium",
    "urgency": "2 - Medium",
    "priority": "3 - Moderate",
    "reassignment_count": "0",
    "reopen_count": "0",
    "category": "Category 9",
    "subcategory": "Subcategory 4",
}
SERVICENOW_ROWS = [
    {
        **_COMMON,
        "number": "INC0000001",
        "incident_state": "New",
        "sys_mod_count": "0",
        "sys_updated_at": "1/3/2016 09:00",
        "assignment_group": "Group 7",
    },
    {
        **_COMMON,
        "number": "INC0000001",
        "incident_state": "Active",
        "sys_mod_count": "1",
        "sys_updated_at": "1/3/2016 09:30",
        "assignment_group": "Group 7",
        "assigned_to": "Resolver 3",
    },
    {
        **_COMMON,
        "number": "INC0000001",
        "incident_state": "Resolved",
        "sys_mod_count": "2",
        "sys_updated_at": "1/3/2016 11:00",
        "assignment_group": "Group 7",
        "assigned_to": "Resolver 3",
        "resolved_at": "1/3/2016 11:00",
    },
    {
        **_COMMON,
        "number": "INC0000002",
        "incident_state": "-100",
        "sys_mod_count": "0",
        "sys_updated_at": "2/3/2016 10:00",
        "opened_at": "2/3/2016 10:00",
        "priority": "4 - Low",
    },
    {
        **_COMMON,
        "number": "INC0000002",
        "incident_state": "New",
        "sys_mod_count": "1",
        "sys_updated_at": "2/3/2016 10:05",
        "opened_at": "2/3/2016 10:00",
        "priority": "4 - Low",
    },
]
BAD_STATE_LINE = 5  # the header is line 1

# The shared check, with this app's query_counts.json.
assert_constant_queries = partial(shared_assert_constant_queries, "imports")


def make_incident_manager(username: str = "ines") -> User:
    """Ines: manages the incident process, so she may import."""
    user = make_user(username, first_name="Ines", last_name="Incidents")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.MANAGER, actor=None)
    return user


def as_upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


def text_upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def make_run(
    *,
    actor: User | None = None,
    status: str = RunStatus.FINISHED,
    errors: int = 0,
    **counters: Any,
) -> ImportRun:
    """A run as the engine leaves it, with `errors` rejected rows (state -100)."""
    run = do_create_import_run(
        ImportKind.SERVICENOW_EVENTLOG, source_name="incident_event_log.zip", actor=actor
    )
    for name, value in {"status": status, **counters}.items():
        setattr(run, name, value)
    run.save()
    RowError.objects.bulk_create(
        RowError(
            run=run,
            row_number=line,
            record_key=f"INC{line:07d}",
            field="incident_state",
            value="-100",
            reason="unknown state '-100'",
        )
        for line in range(2, errors + 2)
    )
    return run
