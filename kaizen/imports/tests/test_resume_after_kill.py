"""An import killed with SIGKILL mid-way and run again ends exactly like one clean run.

Real processes on a real SQLite file: the import runs as `python -m kaizen import ...`, the test
kills it once some batches have committed, runs it again, and compares everything the import
writes (incidents, their journal histories, people, teams) with a clean run's.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kaizen.imports.tests.conftest import read_dataset, write_csv


def kaizen(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KAIZEN_ENV_FILE": os.devnull,  # a developer's .env must not change the test
        "KAIZEN_DEBUG": "true",
        "KAIZEN_DATA_DIR": str(data_dir),
        "KAIZEN_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kaizen", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen) -> None:
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0, errors.decode()


def incidents_created(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=1) as db:
            row = db.execute("SELECT MAX(records_created) FROM imports_importrun").fetchone()
    except sqlite3.OperationalError:  # locked or not there yet
        return 0
    return row[0] or 0


def processes_reading(path: Path) -> list[int]:
    """Ids of live processes whose command line names `path` (the import and its reader)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if str(path).encode() in command and state != "Z":
            found.append(int(entry.name))
    return found


def without_ids(value):
    """Journal values name related records by id and text; ids depend on creation order."""
    if isinstance(value, dict):
        return {key: without_ids(item) for key, item in value.items() if key != "id"}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


def end_state(database: Path) -> dict:
    with sqlite3.connect(database) as db:
        incidents = db.execute(
            """SELECT i.number, i.state, i.priority, i.impact, i.urgency, i.opened_at,
                      i.first_responded_at, i.resolved_at, i.closed_at, i.reassignment_count,
                      i.reopen_count, i.recorded_sla_met, i.version, t.name, a.username,
                      c.username, i.source_attributes
               FROM incidents_incident i
               LEFT JOIN people_team t ON t.id = i.assignment_group_id
               LEFT JOIN people_user a ON a.id = i.assignee_id
               JOIN people_user c ON c.id = i.caller_id
               ORDER BY i.number"""
        ).fetchall()
        events = db.execute(
            """SELECT e.subject_repr, e.event_type, e.occurred_at, e.actor_repr, e.changes
               FROM journal_journalevent e
               WHERE e.event_type LIKE 'incidents.%' OR e.event_type LIKE 'people.%'
                  OR e.event_type LIKE 'catalog.%'"""
        ).fetchall()
        people = db.execute("SELECT username, kind FROM people_user ORDER BY username").fetchall()
        teams = db.execute("SELECT name FROM people_team ORDER BY name").fetchall()
        members = db.execute(
            """SELECT t.name, u.username FROM people_team_members m
               JOIN people_team t ON t.id = m.team_id JOIN people_user u ON u.id = m.user_id
               ORDER BY 1, 2"""
        ).fetchall()
    # Incident events carry the source's times; records created on the way carry the time of
    # the run that met them first.
    history = sorted(
        (
            subject,
            kind,
            at if kind.startswith("incidents.incident.") else "",
            actor,
            json.dumps(without_ids(json.loads(changes)), sort_keys=True),
        )
        for subject, kind, at, actor, changes in events
    )
    return {
        "incidents": incidents,
        "history": history,
        "people": people,
        "teams": teams,
        "members": members,
    }


def test_an_import_killed_midway_and_run_again_equals_one_clean_run(tmp_path):
    header, rows = read_dataset(600)
    log = write_csv(tmp_path / "log.csv", header, rows)
    template = tmp_path / "template"
    finish(kaizen(template, "migrate", "--noinput"))
    clean, interrupted = tmp_path / "clean", tmp_path / "interrupted"
    for target in (clean, interrupted):
        shutil.copytree(template, target)
    command = ("import", "servicenow-eventlog", str(log), "--batch-size", "20", "--no-progress")

    finish(kaizen(clean, *command))
    total = incidents_created(clean / "kaizen.sqlite3")
    assert total == 600

    victim = kaizen(interrupted, *command)
    deadline = time.monotonic() + 120
    while incidents_created(interrupted / "kaizen.sqlite3") < 60:
        assert victim.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    # The file reader the import forks notices its parent died and stops too.
    deadline = time.monotonic() + 15
    while processes_reading(log):
        assert time.monotonic() < deadline, "a reader process outlived the killed import"
        time.sleep(0.1)
    partial = incidents_created(interrupted / "kaizen.sqlite3")
    assert 0 < partial < total, "the kill must land mid-import"

    finish(kaizen(interrupted, *command))

    assert end_state(interrupted / "kaizen.sqlite3") == end_state(clean / "kaizen.sqlite3")
