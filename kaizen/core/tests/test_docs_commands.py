"""The shell commands of the README and docs/ work as written, in a folder set up as `make run`
sets up a checkout.

The commands are read from the Markdown itself: every line of code blocks marked sh, the lines
of unmarked blocks that start with `kaizen `, and inline code that starts with `kaizen `. A new
folder stands in for the checkout: `make .env` writes the local configuration there with the
Makefile's own rule, `.venv` is this interpreter's virtual environment, and `kaizen migrate`
makes the database, as `make run` does. Each command then runs in bash after the README's own
`source .venv/bin/activate`, in a terminal-like environment that holds none of the test
process's settings.

- Commands that run quickly on an empty database run exactly as written: exit 0, no traceback.
- A synopsis (placeholders such as PATH, [--json], <date>), a bare command name, and commands
  that serve until stopped or take minutes (RUN_HELP) are checked through their --help, in this
  process (a second start-up per command would double the time): the command exists, and so
  does every option the docs give it.
- The rest (NOT_RUN) are reported as skipped, each with its reason.
"""

import contextlib
import fcntl
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import ManagementUtility

from kaizen.testing import CHECKOUT

DOCUMENTS = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
ACTIVATE = "source .venv/bin/activate"

NOT_RUN = {
    "make run": "what this test re-enacts (.env, the database, kaizen on the PATH); it also "
    "installs, loads the whole demo (minutes) and serves until stopped",
    "make test": "the test suite this test belongs to",
    "curl ": "needs the running server (make run) and an API token made in its web UI",
    "TOKEN=": "sets the token of the curl examples",
    "pip install": "installs from the package index",
    "export SECRET_KEY=": "production placeholders; core/tests/test_settings.py checks "
    "production settings",
    "kaizen migrate && kaizen collectstatic": "the production set-up: core/tests/test_settings.py "
    "runs collectstatic and check --deploy with production settings",
    "kaizen check --deploy": "the production checklist: core/tests/test_settings.py runs it with "
    "production settings",
    "kaizen makemigrations changes": "names the app a new process would add",
    ".venv/bin/python bench/": "a benchmark: minutes of work (docs/benchmarks.md)",
    "createdb ": "creates a PostgreSQL database for a benchmark",
}
RUN_HELP = {
    "kaizen serve": "serves until stopped",
    "kaizen runserver": "serves until stopped",
    "kaizen run_huey": "a task worker: runs until stopped",
    "kaizen mail lmtp": "listens for the mail server's deliveries until stopped",
    "kaizen mail load-mbox": "reads the reader's own mailbox file",
    "kaizen load_demo": "loads the whole demo: a minute, and the real history a few more",
    "kaizen import servicenow-eventlog ../shared/": "imports 140,000 rows: a few minutes",
    "kaizen import tickets-csv export.csv": "reads the reader's own export and mapping file",
    "kaizen import eventlog-csv log.csv": "reads the reader's own event log",
}

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`(kaizen [^`]+)`")
PLACEHOLDER = re.compile(r"[\[\]<>|]|\.\.\.|^[A-Z][A-Z0-9_-]*$")
WORD = re.compile(r"^[a-z][a-z_-]*$")


def shell_lines(block: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line and not line.startswith("#"):
            commands.append(" ".join(line.split()))
    return commands


def documented_commands() -> list[str]:
    found: dict[str, None] = {}
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for language, block in FENCE.findall(text):
            if language in ("sh", "bash", "shell"):
                found.update(dict.fromkeys(shell_lines(block)))
            elif language == "":
                kaizen = [line for line in shell_lines(block) if line.startswith("kaizen ")]
                found.update(dict.fromkeys(kaizen))
        for span in INLINE.findall(FENCE.sub("", text)):
            found[" ".join(span.split())] = None
    return list(found)


def is_synopsis(command: str) -> bool:
    """Placeholders to fill in, or just the command's name (`kaizen sla`, `kaizen serve`)."""
    words = command.split()
    if len(words) == 2 and WORD.match(words[1]):
        return True
    return any(PLACEHOLDER.search(word) for word in words[1:])


def reason_not_run(command: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if command.startswith(prefix)), None)


def runs_help(command: str) -> bool:
    if not command.startswith("kaizen ") or reason_not_run(command):
        return False
    return is_synopsis(command) or any(command.startswith(prefix) for prefix in RUN_HELP)


COMMANDS = documented_commands() if (CHECKOUT / "README.md").exists() else []
RUN = [c for c in COMMANDS if c != ACTIVATE and not reason_not_run(c) and not runs_help(c)]
HELP = [c for c in COMMANDS if runs_help(c)]
SKIPPED = [c for c in COMMANDS if reason_not_run(c)]


def test_the_commands_are_found_and_sorted():
    # What the README says today; a change of the docs' shape must not leave nothing to run.
    assert ACTIVATE in COMMANDS
    assert "kaizen kpi list" in RUN and "kaizen sla recompute --full" in RUN
    assert (
        "kaizen kpi show incident.resolution_hours_median --period month --by priority --json"
        in RUN
    )
    assert any(c.startswith("KAIZEN_ADMIN_PASSWORD=") for c in RUN)
    assert "kaizen import servicenow-eventlog PATH [--time-zone TZ]" in HELP
    assert "kaizen serve" in HELP and "make run" in SKIPPED
    # Every command is in exactly one group.
    assert sorted([ACTIVATE, *RUN, *HELP, *SKIPPED]) == sorted(COMMANDS)


def terminal_env() -> dict[str, str]:
    """A new terminal's environment: none of this test process's Kaizen or Django settings.
    PYTHONPATH makes the venv's `kaizen` import this checkout's package, as the editable
    install of a real checkout does."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(CHECKOUT),
    }


def in_terminal(folder: Path, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", f"{ACTIVATE} && {command}"],
        cwd=folder,
        env=terminal_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def set_up_like_make_run(folder: Path) -> None:
    """`make run`'s set-up without the demo: the venv, .env by the Makefile's rule."""
    folder.mkdir(exist_ok=True)
    (folder / ".venv").symlink_to(sys.prefix)
    wrote = subprocess.run(
        ["make", "--no-print-directory", "-f", str(CHECKOUT / "Makefile"), ".env"],
        cwd=folder,
        env=terminal_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrote.returncode == 0, wrote.stderr
    assert f'KAIZEN_DATA_DIR="{folder}/data"' in (folder / ".env").read_text()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory, worker_id) -> Path:
    """A folder set up as `make run` sets up a checkout, with a migrated database. The test
    processes of one run migrate once between them (the longest step) and each works on its
    own copy of the database, so no two commands share a database or an analytics store."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("not run from a virtual environment (make test uses .venv)")
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run_folder = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        run_folder = run_folder.parent  # shared by this run's workers
    migrated = run_folder / "docs-commands-migrated"
    with (run_folder / "docs-commands.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (migrated / "data" / "kaizen.sqlite3").exists():
            set_up_like_make_run(migrated)
            result = in_terminal(migrated, "kaizen migrate --noinput")
            assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path_factory.mktemp("checkout")
    set_up_like_make_run(folder)
    (folder / "data").mkdir()
    with (
        contextlib.closing(sqlite3.connect(migrated / "data" / "kaizen.sqlite3")) as source,
        contextlib.closing(sqlite3.connect(folder / "data" / "kaizen.sqlite3")) as copy,
    ):
        source.backup(copy)
    return folder


@pytest.mark.parametrize("command", RUN, ids=str)
def test_it_runs_as_written(checkout, command):
    result = in_terminal(checkout, command)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output, output


def help_of(words: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit:
        ManagementUtility(["kaizen", *words, "--help"]).execute()
    assert exit.value.code in (0, None), out.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("command", HELP, ids=str)
def test_its_command_and_options_exist(command):
    words = command.split()[1:]
    path = []
    for word in words:
        if not WORD.match(word):
            break
        path.append(word)
    text = help_of(path)
    assert text.startswith("usage: kaizen " + " ".join(path)), text
    for option in re.findall(r"--[a-z][a-z-]*", command):
        assert option in text, f"{option} is not an option of kaizen {' '.join(path)}"


@pytest.mark.parametrize("command", SKIPPED, ids=str)
def test_not_run_here(command):
    pytest.skip(reason_not_run(command))
